# tight4k-v2: the tight4k layout with spec revision 2's blocks (doc/spec.md section 9):
# mac, qcfg and rss at version 2 (write-back RX, coalesced TX heads, offloads).
# A driver that knows version 1 only refuses this device by name.
#
# tight4k: the TX and RX doorbells sit in the same 4 KiB page as the MSI-X
# table and PBA. This breaks the PCIe advice but exists in the wild; without
# MSIX_MAPPABLE the doorbells need region read/write even on 4 KiB pages.
#
#   0x0000 dir | 0x0100 id | 0x0200 mac | 0x0300 link | 0x0400 rss
#   0x0800 stats | 0x1000 qcfg | 0x2000 mbox
#   0x3000 MSI-X table | 0x3800 PBA | 0x3c00 txdb | 0x3e00 rxdb   (one 4 KiB page)
name         tight4k-v2
bar0_size    0x10000
queues       4
msix_bar     0
msix_vectors 4
msix_table   0x3000
msix_pba     0x3800
block id     0x0100 0x0100
block mac    0x0200 0x0100 version=2
block link   0x0300 0x0100
block rss    0x0400 0x0100 version=2
block stats  0x0800 0x0800
block qcfg   0x1000 0x1000 version=2
block mbox   0x2000 0x0100
block txdb   0x3c00 0x0100
block rxdb   0x3e00 0x0100
