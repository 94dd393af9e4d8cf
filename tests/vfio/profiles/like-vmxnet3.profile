# like-vmxnet3: opnic registers in BAR0, and an MSI-X BAR laid out like QEMU's
# vmxnet3 BAR2 (8 KiB: table 0x0, 25 vectors, PBA 0x1000) (issue 9: the emulation checked against the real vfio-pci).
name         like-vmxnet3
bar0_size    0x10000
queues       4
msix_bar     2
msix_bar_size 0x2000
msix_vectors 25
msix_table   0x0000
msix_pba     0x1000
block id     0x0100 0x0100
block mac    0x0200 0x0100
block link   0x0300 0x0100
block rss    0x0400 0x0100
block stats  0x0800 0x0800
block qcfg   0x1000 0x1000
block txdb   0x3000 0x0100
block rxdb   0x3800 0x0100
block mbox   0x5000 0x0100
