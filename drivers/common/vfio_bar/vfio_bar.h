/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * vfio_bar: BAR register access for any DPDK PCI PMD on vfio-pci (DPDK
 * 22.11, 24.11, 25.11: vfio_bar_compat.h), whatever the kernel lets it map.
 *
 * Linux vfio-pci before 4.16 (and kernels that do not report
 * VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) refuses to mmap the host page(s) that
 * hold the MSI-X table; DPDK's PCI bus then maps a BAR around that hole (from
 * 23.07 on: the kernel's SPARSE_MMAP areas, when it reports some), and on
 * 64 KiB pages it may not map the BAR at all. vfio_bar finds out, per
 * BAR, which byte ranges are mapped (from the region's capability chain, the
 * MSI-X capability and the host page size) and gives each register block a
 * precomputed access path: a pointer into the mapping, or region read/write
 * (pread/pwrite on the VFIO device fd). The choice is made once, at init.
 *
 * When DPDK's PCI bus cannot map a BAR (64 KiB pages, table not 64 KiB
 * aligned), vfio_bar sets the device up itself through rte_vfio_setup_device()
 * and maps the kernel's SPARSE_MMAP areas, so the driver still probes.
 * Register access never goes through the bus's rte_pci_mmio_read/write
 * (unsafe after a failed bus map, which released the device): vfio_bar's
 * own region read/write on its own fd.
 */

#ifndef _VFIO_BAR_H_
#define _VFIO_BAR_H_

#include <stdint.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_io.h>
#include <rte_byteorder.h>

struct rte_pci_device;

#define VBAR_MAX_BARS 6
#define VBAR_MAX_RANGES 4

enum vbar_mode {
	VBAR_MODE_AUTO = 0,	/* mapping where possible, else region r/w */
	VBAR_MODE_RW,		/* region read/write for every block (testing) */
};

struct vbar_range {
	uint64_t off;
	uint64_t len;
};

/*
 * What decides which bytes of one BAR can be mapped, as plain values learnt
 * at open (region info, its capability chain, the MSI-X capability, the page
 * size). The classification below is a pure function of it.
 */
struct vbar_layout {
	uint64_t size;		/* BAR size in bytes */
	uint64_t page_size;	/* host page size */
	int msix;		/* the MSI-X table and PBA are in this BAR */
	uint64_t msix_table;	/* table offset in the BAR ... */
	uint64_t msix_table_size;	/* ... and its size in bytes */
	uint64_t msix_pba;	/* PBA offset in the BAR */
	int msix_mappable;	/* the kernel reports MSIX_MAPPABLE */
	int mmap;		/* the region may be mmapped at all */
	int sparse;		/* the kernel reports SPARSE_MMAP ... */
	unsigned int nareas;	/* ... with these areas */
	struct vbar_range areas[VBAR_MAX_RANGES];
};

struct vbar_bar {
	uint64_t size;		/* 0: BAR absent */
	uint64_t region_off;	/* VFIO region offset for pread/pwrite */
	uint8_t *base;		/* mapping base (only mapped ranges usable) */
	unsigned int nmapped;
	struct vbar_range mapped[VBAR_MAX_RANGES];
	struct vbar_layout layout;
};

struct vbar_dev {
	struct rte_pci_device *pci;
	int fd;			/* VFIO device fd */
	int self_mapped;	/* the bus could not map; we did */
	long page_size;
	int msix_bar;		/* -1: no MSI-X capability */
	uint32_t msix_table;
	uint32_t msix_table_size;
	uint32_t msix_pba;
	int msix_mappable;	/* kernel reported MSIX_MAPPABLE */
	int sparse_reported;	/* kernel reported SPARSE_MMAP on the MSI-X BAR */
	enum vbar_mode mode;
	struct vbar_bar bar[VBAR_MAX_BARS];
	char why[256];		/* why the MSI-X BAR has a hole, for the log */
};

/* A register block's access path, fixed at init. */
struct vbar_block {
	uint8_t *addr;		/* non-NULL: use the mapping */
	int fd;			/* else pread/pwrite here ... */
	uint64_t pos;		/* ... at this file offset (region + block) */
	uint32_t size;
	uint8_t bar;
	uint32_t off;		/* block offset in the BAR */
};

/*
 * Map the device's BARs (through DPDK's PCI bus, or by itself when the bus
 * cannot) and learn what is mapped. Returns 0 or -errno with a message
 * already logged. On failure nothing stays allocated or mapped.
 */
int vbar_open(struct vbar_dev *vb, struct rte_pci_device *pci,
	      enum vbar_mode mode);
void vbar_close(struct vbar_dev *vb);

/* Decide the access path of [off, off+size) in BAR bar. -EINVAL if the
 * range is beyond the BAR. */
int vbar_block_init(const struct vbar_dev *vb, unsigned int bar, uint32_t off,
		    uint32_t size, struct vbar_block *blk);

/* How a register block [off, off+len) of a BAR is reached. */
enum vbar_class {
	VBAR_CLASS_MAPPED,	/* wholly inside one mapped range: a pointer */
	VBAR_CLASS_MSIX,	/* not mapped; touches the MSI-X table or PBA */
	VBAR_CLASS_HOLE,	/* not mapped; touches the unmappable host
				 * page(s) around the MSI-X table */
	VBAR_CLASS_UNMAPPED,	/* not mapped for another reason (no mmap,
				 * no SPARSE_MMAP area covers it) */
	VBAR_CLASS_OUTSIDE,	/* not wholly inside the BAR */
};

/*
 * The pure range classification (vfio_bar_range.c): no VFIO, bus or EAL
 * call. vbar_allowed_ranges() is what the kernel lets a process map,
 * vbar_bus_ranges() what DPDK 22.11's PCI bus maps when it maps the BAR at
 * all; vbar_classify() places a block against the ranges actually mapped.
 * Each range list holds at most VBAR_MAX_RANGES entries; the count is
 * returned.
 */
static inline uint64_t
vbar_align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static inline uint64_t
vbar_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

unsigned int vbar_range_add(struct vbar_range *r, unsigned int n,
			    uint64_t bar_size, uint64_t off, uint64_t len);
unsigned int vbar_allowed_ranges(const struct vbar_layout *l,
				 struct vbar_range out[VBAR_MAX_RANGES]);
unsigned int vbar_bus_ranges(const struct vbar_layout *l,
			     struct vbar_range out[VBAR_MAX_RANGES]);
/* What the bus maps, given whether it maps the SPARSE_MMAP areas when the
 * kernel reports some (DPDK >= 23.07, vfio_bar_compat.h): those areas, else
 * vbar_bus_ranges(). */
unsigned int vbar_bus_ranges_of(const struct vbar_layout *l,
				int bus_maps_sparse,
				struct vbar_range out[VBAR_MAX_RANGES]);
int vbar_layout_touches_msix(const struct vbar_layout *l, uint64_t off,
			     uint64_t len);
enum vbar_class vbar_classify(const struct vbar_layout *l,
			      const struct vbar_range *mapped,
			      unsigned int nmapped, uint64_t off, uint64_t len);

/* Is [off, off+len) of BAR bar wholly inside the mapping? */
int vbar_is_mapped(const struct vbar_dev *vb, unsigned int bar, uint64_t off,
		   uint64_t len);

/* Does [off, off+len) of BAR bar touch the MSI-X table or PBA? */
int vbar_touches_msix(const struct vbar_dev *vb, unsigned int bar,
		      uint64_t off, uint64_t len);

/* Region read/write slow paths (a syscall each). A failed read returns all
 * ones, as a PCIe read of a dead device does; a failed access is logged once
 * and the caller tells it by the all-ones value. */
uint32_t vbar_rw_read32(const struct vbar_block *b, uint32_t off);
uint64_t vbar_rw_read64(const struct vbar_block *b, uint32_t off);
void vbar_rw_write32(const struct vbar_block *b, uint32_t off, uint32_t v);
uint16_t vbar_rw_read16(const struct vbar_block *b, uint32_t off);
uint8_t vbar_rw_read8(const struct vbar_block *b, uint32_t off);
void vbar_rw_write16(const struct vbar_block *b, uint32_t off, uint16_t v);
void vbar_rw_write8(const struct vbar_block *b, uint32_t off, uint8_t v);
void vbar_rw_write64(const struct vbar_block *b, uint32_t off, uint64_t v);

/* Accessors: device registers are little-endian. The branch is on a flag
 * fixed at init, identical for every access to the block. Barriers: the
 * mapped path uses rte_read/rte_write (not _relaxed), so a read is followed
 * by rte_io_rmb (later CPU loads of DMA memory come after the register
 * read) and a write is preceded by rte_io_wmb (earlier CPU stores to memory
 * the DEVICE reads come before the register write); the region path is a
 * system call, ordered against every earlier access. */
#define VBAR_ACCESSORS(bits, to_cpu, to_le)				\
static __rte_always_inline uint ## bits ## _t				\
vbar_read ## bits(const struct vbar_block *b, uint32_t off)		\
{									\
	if (likely(b->addr != NULL))					\
		return to_cpu(rte_read ## bits(b->addr + off));		\
	return vbar_rw_read ## bits(b, off);				\
}									\
									\
static __rte_always_inline void						\
vbar_write ## bits(const struct vbar_block *b, uint32_t off,		\
		   uint ## bits ## _t v)				\
{									\
	if (likely(b->addr != NULL))					\
		rte_write ## bits(to_le(v), b->addr + off);		\
	else								\
		vbar_rw_write ## bits(b, off, v);			\
}

VBAR_ACCESSORS(8, , )
VBAR_ACCESSORS(16, rte_le_to_cpu_16, rte_cpu_to_le_16)
VBAR_ACCESSORS(32, rte_le_to_cpu_32, rte_cpu_to_le_32)
VBAR_ACCESSORS(64, rte_le_to_cpu_64, rte_cpu_to_le_64)

struct vfio_region_info;

/* VFIO_DEVICE_GET_REGION_INFO with its capability chain, following the
 * kernel's argsz protocol (ask, grow, ask again). NULL on error (errno set);
 * free() the result. */
struct vfio_region_info *vbar_region_info(int fd, unsigned int index);

/* PCI config space through the VFIO config region (pread/pwrite on the
 * device fd): 0, or -1 with errno set (a short access is -1 with EIO). */
int vbar_cfg_read(const struct vbar_dev *vb, void *buf, size_t n,
		  uint64_t off);
int vbar_cfg_write(const struct vbar_dev *vb, const void *buf, size_t n,
		   uint64_t off);

/* One line per BAR saying what is mapped and why, for the probe log. */
void vbar_describe(const struct vbar_dev *vb, char *buf, size_t len);

#endif /* _VFIO_BAR_H_ */
