# separate-v2: the separate layout with spec revision 2's blocks (doc/spec.md section 9):
# mac, qcfg and rss at version 2 (write-back RX, coalesced TX heads, offloads).
# A driver that knows version 1 only refuses this device by name.
#
# separate: MSI-X table and PBA in their own BAR (BAR2), as the PCIe spec
# recommends. The control case: BAR0 is always fully mapped.
#
#   BAR0: 0x0000 dir | 0x0100 id | 0x0200 mac | 0x0300 link | 0x0400 rss
#         0x0800 stats | 0x1000 qcfg | 0x3000 txdb | 0x3800 rxdb | 0x5000 mbox
#   BAR2: 0x0000 MSI-X table | 0x0800 PBA
name         separate-v2
bar0_size    0x10000
queues       4
msix_bar     2
msix_bar_size 0x10000
msix_vectors 4
msix_table   0x0000
msix_pba     0x0800
block id     0x0100 0x0100
block mac    0x0200 0x0100 version=2
block link   0x0300 0x0100
block rss    0x0400 0x0100 version=2
block stats  0x0800 0x0800
block qcfg   0x1000 0x1000 version=2
block txdb   0x3000 0x0100
block rxdb   0x3800 0x0100
block mbox   0x5000 0x0100
