# fpga8k-v2: the fpga8k layout with spec revision 2's blocks (doc/spec.md section 9):
# mac, qcfg and rss at version 2 (write-back RX, coalesced TX heads, offloads).
# A driver that knows version 1 only refuses this device by name.
#
# fpga8k: the FPGA device of the 2015 linuxppc-dev thread. MSI-X table at
# 0x2000, PBA 8 KiB after it at 0x4000, doorbells right next to the PBA.
#
#   0x0000 dir | 0x0100 id | 0x0200 mac | 0x0300 link | 0x0400 rss
#   0x0800 stats | 0x1000 qcfg(part) ...
#   0x2000 MSI-X table | 0x4000 PBA | 0x4100 txdb | 0x4200 rxdb | 0x6000 mbox
name         fpga8k-v2
bar0_size    0x10000
queues       4
msix_bar     0
msix_vectors 4
msix_table   0x2000
msix_pba     0x4000
block id     0x0100 0x0100
block mac    0x0200 0x0100 version=2
block link   0x0300 0x0100
block rss    0x0400 0x0100 version=2
block stats  0x0800 0x0800
block qcfg   0x1000 0x1000 version=2
block txdb   0x4100 0x0100
block rxdb   0x4200 0x0100
block mbox   0x6000 0x0100
