# qdma64k-v2: the qdma64k layout with spec revision 2's blocks (doc/spec.md section 9):
# mac, qcfg and rss at version 2 (write-back RX, coalesced TX heads, offloads).
# A driver that knows version 1 only refuses this device by name.
#
# qdma64k: AMD QDMA VF style. Doorbells at 0x3000, MSI-X table at 0x4000,
# PBA at 0x4800, mailbox at 0x5000. Fine on 4 KiB pages (only the table page
# is lost); on 64 KiB pages doorbells, table, PBA and mailbox share one page.
#
#   0x0000 dir | 0x0100 id | 0x0200 mac | 0x0300 link | 0x0400 rss
#   0x0800 stats | 0x1000 qcfg | 0x3000 txdb | 0x3800 rxdb
#   0x4000 MSI-X table | 0x4800 PBA | 0x5000 mbox
name         qdma64k-v2
bar0_size    0x10000
queues       4
msix_bar     0
msix_vectors 8
msix_table   0x4000
msix_pba     0x4800
block id     0x0100 0x0100
block mac    0x0200 0x0100 version=2
block link   0x0300 0x0100
block rss    0x0400 0x0100 version=2
block stats  0x0800 0x0800
block qcfg   0x1000 0x1000 version=2
block txdb   0x3000 0x0100
block rxdb   0x3800 0x0100
block mbox   0x5000 0x0100
