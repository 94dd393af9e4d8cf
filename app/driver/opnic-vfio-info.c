/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * opnic-vfio-info: what will my kernel let me map? For one vfio-pci bound
 * device, probed through DPDK 22.11's own PCI bus, print in a stable text form
 * (no addresses): each region's info and capability chain, the MSI-X
 * capability, what region read/write returns for the MSI-X table, the PBA and
 * the bytes around them, whether the table page can be mmap'ed, and which
 * pages of each BAR DPDK's PCI bus left mapped after probe.
 *
 *   opnic-vfio-info [EAL options] [--no-write] [--bar-test BAR:OFF] -a <bdf>
 *
 * Works on real vfio-pci devices and on the opnic emulation (opnic-run).
 * It never writes to a device except one 4-byte write into the MSI-X table
 * through region write, which vfio-pci drops; --no-write skips even that.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_bus_pci.h>
#include <bus_pci_driver.h>

#include "vfio_bar.h"

#define REGION_OFF(i) ((uint64_t)(i) << 40)

static int probed;
static int no_write;
static int test_bar = -1;	/* --bar-test BAR:OFF */
static uint32_t test_off;

/*
 * --bar-test BAR:OFF: the vfio_bar library (what net_opnic uses) on this
 * device with every block forced to region read/write: read the MSI-X PBA
 * and a table word through it, then write a pattern to the 32-bit register
 * at BAR:OFF, read it back and restore it. Pick a register that is harmless
 * to write (e1000e: RDBAL0 at BAR0:0x2800 while receive is off).
 */
static void
bar_test(struct rte_pci_device *dev)
{
	struct vbar_dev vb;
	struct vbar_block b;
	char desc[512];
	uint32_t orig, back, restored, pat = 0x5a5a5a50;

	if (vbar_open(&vb, dev, VBAR_MODE_RW) != 0) {
		printf("  vfio_bar: open failed\n");
		return;
	}
	vbar_describe(&vb, desc, sizeof(desc));
	printf("  vfio_bar: %s\n", desc);
	if (vb.msix_bar >= 0 &&
	    vbar_block_init(&vb, (unsigned int)vb.msix_bar, vb.msix_pba, 8, &b) == 0)
		printf("  vfio_bar region-rw BAR%d+0x%x (pba): %s 0x%016" PRIx64 "\n",
		       vb.msix_bar, vb.msix_pba, b.addr ? "mapped" : "pread",
		       vbar_read64(&b, 0));
	if (vb.msix_bar >= 0 &&
	    vbar_block_init(&vb, (unsigned int)vb.msix_bar, vb.msix_table, 16, &b) == 0)
		printf("  vfio_bar region-rw BAR%d+0x%x (table): %s 0x%08x\n",
		       vb.msix_bar, vb.msix_table, b.addr ? "mapped" : "pread",
		       vbar_read32(&b, 0));
	if (vbar_block_init(&vb, (unsigned int)test_bar, test_off, 4, &b) != 0) {
		printf("  vfio_bar: BAR%d+0x%x is not inside the BAR\n", test_bar,
		       test_off);
	} else {
		orig = vbar_read32(&b, 0);
		vbar_write32(&b, 0, pat);
		back = vbar_read32(&b, 0);
		vbar_write32(&b, 0, orig);
		restored = vbar_read32(&b, 0);
		printf("  vfio_bar region-rw BAR%d+0x%x: %s was 0x%08x, wrote 0x%08x, "
		       "read back 0x%08x, restored 0x%08x: %s\n", test_bar, test_off,
		       b.addr ? "mapped" : "pread/pwrite", orig, pat, back, restored,
		       back == pat && restored == orig ? "ok" : "MISMATCH");
	}
	vbar_close(&vb);
}

static void
print_caps(const struct vfio_region_info *ri)
{
	uint32_t off = ri->cap_offset;
	unsigned int guard = 0;

	if (!(ri->flags & VFIO_REGION_INFO_FLAG_CAPS))
		return;
	if (off == 0)
		printf("    caps: flag set but argsz too small\n");
	while (off != 0 && off + sizeof(struct vfio_info_cap_header) <= ri->argsz &&
	       guard++ < 16) {
		const struct vfio_info_cap_header *h =
			(const void *)((const uint8_t *)ri + off);

		if (h->id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
			printf("    cap MSIX_MAPPABLE v%u\n", h->version);
		} else if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			const struct vfio_region_info_cap_sparse_mmap *sp =
				(const void *)h;
			uint32_t i;

			printf("    cap SPARSE_MMAP v%u areas %u:", h->version,
			       sp->nr_areas);
			for (i = 0; i < sp->nr_areas && i < 16; i++)
				printf(" 0x%" PRIx64 "+0x%" PRIx64,
				       (uint64_t)sp->areas[i].offset,
				       (uint64_t)sp->areas[i].size);
			printf("\n");
		} else {
			printf("    cap id %u v%u\n", h->id, h->version);
		}
		off = h->next;
	}
}

static int
cfg_read(int fd, void *buf, size_t n, uint64_t off)
{
	return pread(fd, buf, n, (off_t)(REGION_OFF(VFIO_PCI_CONFIG_REGION_INDEX) +
					 off)) == (ssize_t)n ? 0 : -1;
}

static void
rw_probe(int fd, unsigned int bar, uint64_t off, uint64_t bar_size,
	 const char *what)
{
	uint32_t v = 0;
	ssize_t n;

	if (off + 4 > bar_size)
		return;
	n = pread(fd, &v, 4, (off_t)(REGION_OFF(bar) + off));
	if (n == 4)
		printf("  region read BAR%u+0x%05" PRIx64 " (%s): 0x%08x\n", bar, off,
		       what, v);
	else
		printf("  region read BAR%u+0x%05" PRIx64 " (%s): error %s\n", bar,
		       off, what, strerror(errno));
}

/* Which pages of [addr, addr+len) are mapped, and how, from /proc/self/maps. */
static void
print_dpdk_mapping(unsigned int bar, const void *addr, uint64_t len)
{
	uint64_t start = (uint64_t)(uintptr_t)addr, end = start + len;
	uint64_t step = 4096, o, run_start = 0;
	char run_perm[8] = "", line[512];
	FILE *f;

	printf("  BAR%u after DPDK probe:", bar);
	if (addr == NULL) {
		printf(" not mapped\n");
		return;
	}
	for (o = 0; o <= len; o += step) {
		char perm[8] = "end";

		if (o < len) {
			uint64_t a = start + o;

			snprintf(perm, sizeof(perm), "absent");
			f = fopen("/proc/self/maps", "r");
			while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
				unsigned long long s, e;
				char p[8];

				if (sscanf(line, "%llx-%llx %7s", &s, &e, p) == 3 &&
				    a >= s && a < e) {
					snprintf(perm, sizeof(perm), "%.3s", p);
					break;
				}
			}
			if (f != NULL)
				fclose(f);
		}
		if (o == 0) {
			snprintf(run_perm, sizeof(run_perm), "%s", perm);
			run_start = 0;
			continue;
		}
		if (strcmp(perm, run_perm) != 0) {
			printf(" 0x%05" PRIx64 "-0x%05" PRIx64 ":%s", run_start, o - 1,
			       run_perm);
			snprintf(run_perm, sizeof(run_perm), "%s", perm);
			run_start = o;
		}
	}
	printf("\n");
	(void)end;
}

static int
info_probe(struct rte_pci_driver *drv, struct rte_pci_device *dev)
{
	int fd = rte_intr_dev_fd_get(dev->intr_handle);
	uint64_t bar_size[6] = { 0 };
	uint8_t cap = 0, id = 0;
	unsigned int i, guard = 0;
	long page = sysconf(_SC_PAGESIZE);

	(void)drv;
	probed = 1;
	printf("device %04x:%02x:%02x.%x id %04x:%04x page-size %ld\n",
	       dev->addr.domain, dev->addr.bus, dev->addr.devid,
	       dev->addr.function, dev->id.vendor_id, dev->id.device_id, page);
	if (fd < 0) {
		printf("  no VFIO device fd (not bound to vfio-pci?)\n");
		return 0;
	}
	for (i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
		struct vfio_region_info *ri = vbar_region_info(fd, i);

		if (ri == NULL) {
			printf("  region %u: error %s\n", i, strerror(errno));
			continue;
		}
		if (ri->size == 0) {
			free(ri);
			continue;
		}
		printf("  region %u: size 0x%" PRIx64 " offset-index %" PRIu64
		       " flags%s%s%s%s\n", i, (uint64_t)ri->size,
		       (uint64_t)(ri->offset >> 40),
		       ri->flags & VFIO_REGION_INFO_FLAG_READ ? " read" : "",
		       ri->flags & VFIO_REGION_INFO_FLAG_WRITE ? " write" : "",
		       ri->flags & VFIO_REGION_INFO_FLAG_MMAP ? " mmap" : "",
		       ri->flags & VFIO_REGION_INFO_FLAG_CAPS ? " caps" : "");
		print_caps(ri);
		if (i < 6)
			bar_size[i] = ri->size;
		free(ri);
	}
	/* Walk the capability list for MSI-X. */
	if (cfg_read(fd, &cap, 1, PCI_CAPABILITY_LIST) != 0)
		cap = 0;
	while (cap != 0 && guard++ < 48) {
		if (cfg_read(fd, &id, 1, cap) != 0)
			break;
		if (id == PCI_CAP_ID_MSIX) {
			uint16_t flags;
			uint32_t table, pba, tbir, pbir, toff, poff, nvec;
			uint32_t w = 0, v = 0;

			cfg_read(fd, &flags, 2, cap + PCI_MSIX_FLAGS);
			cfg_read(fd, &table, 4, cap + PCI_MSIX_TABLE);
			cfg_read(fd, &pba, 4, cap + PCI_MSIX_PBA);
			nvec = (flags & PCI_MSIX_FLAGS_QSIZE) + 1u;
			tbir = table & PCI_MSIX_TABLE_BIR;
			toff = table & PCI_MSIX_TABLE_OFFSET;
			pbir = pba & PCI_MSIX_PBA_BIR;
			poff = pba & PCI_MSIX_PBA_OFFSET;
			printf("  msix: vectors %u table BAR%u+0x%x (0x%x bytes) pba BAR%u+0x%x\n",
			       nvec, tbir, toff, nvec * 16, pbir, poff);
			if (tbir < 6 && bar_size[tbir] != 0) {
				rw_probe(fd, tbir, toff, bar_size[tbir], "table");
				rw_probe(fd, tbir, toff + nvec * 16 - 4,
					 bar_size[tbir], "table end");
				if (toff >= 4)
					rw_probe(fd, tbir, toff - 4, bar_size[tbir],
						 "before table");
				rw_probe(fd, tbir, toff + nvec * 16, bar_size[tbir],
					 "after table");
				if (!no_write) {
					pwrite(fd, &w, 4, (off_t)(REGION_OFF(tbir) + toff + 12));
					pread(fd, &v, 4, (off_t)(REGION_OFF(tbir) + toff + 12));
					printf("  region write 0 to table vector-control, read back: 0x%08x\n",
					       v);
				}
				{
					uint64_t pg = (uint64_t)page;
					void *p = mmap(NULL, (size_t)pg, PROT_READ,
						       MAP_SHARED, fd,
						       (off_t)(REGION_OFF(tbir) +
							       (toff & ~(pg - 1))));

					if (p == MAP_FAILED) {
						printf("  mmap of the table page: %s\n",
						       strerror(errno));
					} else {
						printf("  mmap of the table page: ok\n");
						munmap(p, (size_t)pg);
					}
				}
			}
			if (pbir < 6 && bar_size[pbir] != 0) {
				rw_probe(fd, pbir, poff, bar_size[pbir], "pba");
				rw_probe(fd, pbir, poff + 8, bar_size[pbir], "after pba");
			}
			break;
		}
		if (cfg_read(fd, &cap, 1, cap + PCI_CAP_LIST_NEXT) != 0)
			break;
	}
	for (i = 0; i < 6; i++)
		if (bar_size[i] != 0)
			print_dpdk_mapping(i, dev->mem_resource[i].addr, bar_size[i]);
	if (test_bar >= 0)
		bar_test(dev);
	fflush(stdout);
	return 0;
}

static int
info_remove(struct rte_pci_device *dev)
{
	(void)dev;
	return 0;
}

static const struct rte_pci_id info_ids[] = {
	{ RTE_PCI_DEVICE(RTE_PCI_ANY_ID, RTE_PCI_ANY_ID) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver info_driver = {
	.id_table = info_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = info_probe,
	.remove = info_remove,
};

RTE_PMD_REGISTER_PCI(opnic_vfio_info, info_driver);

int
main(int argc, char **argv)
{
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-write") == 0) {
			no_write = 1;
			argv[i] = (char *)"--no-telemetry";
		} else if (strcmp(argv[i], "--bar-test") == 0 && i + 1 < argc) {
			unsigned int bar;
			char extra;

			if (sscanf(argv[i + 1], "%u:%x%c", &bar, &test_off, &extra) != 2 ||
			    bar > 5 || (test_off & 3) != 0) {
				fprintf(stderr, "opnic-vfio-info: --bar-test '%s': expected "
					"BAR:OFFSET (BAR 0..5, OFFSET hex, 4-byte aligned)\n",
					argv[i + 1]);
				return 2;
			}
			test_bar = (int)bar;
			argv[i] = (char *)"--no-telemetry";
			argv[i + 1] = (char *)"--no-telemetry";
			i++;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "opnic-vfio-info: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (!probed) {
		printf("dpdk-probe: the PCI bus did not probe the device (see the EAL log)\n");
		rte_eal_cleanup();
		return 3;
	}
	rte_eal_cleanup();
	return 0;
}
