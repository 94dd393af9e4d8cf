/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * Inside the VFIO emulation (libopnic_vfio_emu.so): the objects it emulates
 * and the calls between its files. Only the libc symbols in
 * opnic_emu_interpose.c are exported; everything here is hidden
 * (-fvisibility=hidden).
 *
 *   opnic_emu.c            set-up from the environment, the device table
 *   opnic_emu_interpose.c  the LD_PRELOAD'd libc symbols, the real libc
 *   opnic_emu_page.c       the page size the process sees
 *   opnic_emu_fd.c         what each fd is (container, group, device)
 *   opnic_emu_model.c      the connection to opnic-model, one per container
 *   opnic_emu_container.c  /dev/vfio/vfio: IOMMU type 1, DMA map/unmap
 *   opnic_emu_group.c      /dev/vfio/<group>: container, device fd
 *   opnic_emu_device.c     the device fd: info, regions, IRQs
 *   opnic_emu_region.c     the device fd: region read/write and mmap
 *   opnic_emu_sysfs.c      the /sys answers the real /sys cannot give
 */

#ifndef _OPNIC_EMU_INTERNAL_H_
#define _OPNIC_EMU_INTERNAL_H_

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "opnic_emu_proto.h"
#include "opnic_regs.h"

#define EMU_FD_MAX		65536
#define EMU_MAX_CONTAINERS	16
#define EMU_MAX_VECTORS		64
/* Region N of a device fd starts at file offset N << EMU_REGION_SHIFT. */
#define EMU_REGION_SHIFT	40
#define EMU_CFG_SIZE		4096

struct vfio_region_info;

/* libc's own versions of what we interpose (dlsym RTLD_NEXT). */
struct emu_libc {
	int (*open)(const char *, int, ...);
	int (*openat)(int, const char *, int, ...);
	int (*close)(int);
	int (*ioctl)(int, unsigned long, ...);
	void *(*mmap)(void *, size_t, int, int, int, off_t);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	int (*stat)(const char *, struct stat *);
	int (*lstat)(const char *, struct stat *);
	int (*access)(const char *, int);
	DIR *(*opendir)(const char *);
	long (*sysconf)(int);
	unsigned long (*getauxval)(unsigned long);
};

extern struct emu_libc emu_real;

/* Fill emu_real once; every interposed call starts with it. */
void emu_libc_resolve(void);

/* What the environment chose (OPNIC_RUN_DIR, OPNIC_KERNEL, ...). */
struct emu_config {
	int active;		/* a run dir with a model: emulate */
	int trace;		/* OPNIC_EMU_TRACE=1: log every emulated call */
	int hole;		/* OPNIC_KERNEL=hole or hole-nocap: Linux < 4.16,
				 * no MSIX_MAPPABLE, mmap refuses the table */
	int nocap;		/* OPNIC_KERNEL=hole-nocap: Linux < 4.6, no
				 * capability chain, no mmap of a BAR smaller
				 * than a page */
	char run[200];		/* run dir; a UNIX socket path must fit */
	ino_t container_ino;	/* inode of run/vfio/vfio */
};

extern struct emu_config emu_cfg;

void emu_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One emulated device: its shared-memory file and what vfio-pci keeps. */
struct emu_dev {
	int present;
	struct opnic_shm_hdr hdr;
	char shm_path[PATH_MAX];
	ino_t ino;
	ino_t group_ino;
	int group_open;		/* a group fd is open (vfio allows one) */
	int group_inherited;	/* group fd received from a DPDK primary */
	int container;		/* index, -1 when the group has none */
	uint8_t *cfg;		/* shared config space */
	uint32_t vbar[6];	/* virtualized BAR registers */
	int irq_fd[EMU_MAX_VECTORS];	/* dup of each MSI-X trigger */
	unsigned int dev_fds;	/* device fds this process opened, open */
};

struct emu_device_table {
	struct emu_dev dev[OPNIC_MAX_DEVICES];
};

extern struct emu_device_table emu_devices;

/* Page size (opnic_emu_page.c). */
int emu_page_init(void);
long emu_page_size(void);

/* Fd table (opnic_emu_fd.c). */
enum emu_fd_kind {
	EMU_FD_UNKNOWN = 0,	/* not looked at yet */
	EMU_FD_OTHER,		/* not ours */
	EMU_FD_CONTAINER,
	EMU_FD_GROUP,
	EMU_FD_DEVICE,
};

struct emu_fd {
	uint8_t kind;		/* enum emu_fd_kind */
	int8_t obj;		/* container or device index */
	uint8_t opened;		/* a device fd GET_DEVICE_FD gave (counted) */
};

void emu_fd_set(int fd, enum emu_fd_kind kind, int obj);
/* What fd is, or NULL when it is not ours; fds we did not open
 * (inherited, received) are identified by their inode. */
struct emu_fd *emu_fd_lookup(int fd);
/* fd was closed or newly opened by libc: look at it again next time. */
void emu_fd_forget(int fd);
/* For close(): the entry of fd whatever its kind, NULL when out of range. */
struct emu_fd *emu_fd_entry(int fd);

/* Model connection (opnic_emu_model.c): one sender per request, each 0
 * or -1 with errno set (the model's -errno, or EIO when it is gone). The
 * device requests go on the connection of the device's container. */
int emu_model_connect(void);
int emu_model_attach(struct emu_dev *d);
int emu_model_detach(struct emu_dev *d);
int emu_model_reset(struct emu_dev *d);
int emu_model_msix(struct emu_dev *d, int enable);
/* Trigger of vector: eventfd, or -1 to drop it. */
int emu_model_irq(struct emu_dev *d, uint32_t vector, int eventfd);
int emu_model_dma_map(int sock, uint64_t iova, uint64_t len,
		      uint64_t file_offset, int fd);
int emu_model_dma_unmap(int sock, uint64_t iova, uint64_t len,
			uint64_t *unmapped);

/* Containers (opnic_emu_container.c). */
struct emu_container {
	int used;
	int sock;		/* connection to the model, -1 until a group joins */
	int iommu_set;
	int ngroups;
	int fd_open;		/* the container fd is open (groups keep it alive) */
};

struct emu_container_table {
	struct emu_container ct[EMU_MAX_CONTAINERS];
};

extern struct emu_container_table emu_containers;

int emu_container_alloc(void);
int emu_container_open(int flags);
void emu_container_close(int c);
void emu_container_drop_group(int c);
int emu_container_ioctl(int c, unsigned long req, void *arg);

/* Groups (opnic_emu_group.c). */
int emu_group_open(const char *node, int flags);
void emu_group_close(int g);
int emu_group_ioctl(int g, unsigned long req, void *arg);

/* Devices (opnic_emu_device.c, opnic_emu_region.c). */
void emu_devices_load(void);
uint32_t emu_msix_table_size(const struct emu_dev *d);
int emu_device_ioctl(int idx, unsigned long req, void *arg);
/* A device fd was closed (the open count vfio-pci keeps). */
void emu_device_close(int idx);
ssize_t emu_region_rw(int fd, struct emu_dev *d, void *buf, size_t count,
		      uint64_t pos, int wr);
void *emu_region_mmap(struct emu_dev *d, void *addr, size_t len, int prot,
		      int flags, int fd, off_t pos);
/* vfio-pci's bar_mmap_supported[] for a memory BAR of this size: its
 * region info says MMAP and mmap may map it. */
int emu_bar_mmap_supported(uint64_t size);

/* /sys (opnic_emu_sysfs.c). */
int emu_sysfs_is_module(const char *path);
int emu_sysfs_module_stat(struct stat *st);
DIR *emu_sysfs_opendir(const char *path);

#endif /* _OPNIC_EMU_INTERNAL_H_ */
