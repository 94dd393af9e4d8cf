/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * REGION_READ, REGION_WRITE and REGION_WRITE_MULTI: config space (the BAR
 * registers virtualized, only the command register reaches the function;
 * vfio-pci virtualizes the rest and MSI-X is enabled at SET_IRQS) and the
 * BARs, read and written in the model's BAR memory as the device file's
 * pread/pwrite does on the LD_PRELOAD path: the MSI-X table reads all ones
 * and drops writes (vfio_pci_bar_rw()), memory decoding off makes reads all
 * ones and drops writes, a removed device fails with EIO. Aligned 4- and
 * 8-byte accesses are single stores the device loop sees whole.
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "opnic_vfu_internal.h"

void
vfu_vbar_reset(struct opnic_vfu *v)
{
	unsigned int b;

	for (b = 0; b < 6; b++)
		v->vbar[b] = v->cfg.bar_size[b] != 0 ?
			     PCI_BASE_ADDRESS_MEM_TYPE_64 : 0;
}

/* Is byte o of config space a BAR register byte of an upper half? */
static int
bar_upper(const struct opnic_vfu *v, unsigned int bar)
{
	return bar > 0 && v->cfg.bar_size[bar - 1] != 0;
}

static void
config_rw(struct opnic_vfu *v, uint8_t *buf, uint32_t count, uint64_t off,
	  int wr)
{
	uint8_t *cfg = v->cfg.m->cfg;
	uint32_t i;

	for (i = 0; i < count; i++) {
		uint64_t o = off + i;

		if (o >= PCI_BASE_ADDRESS_0 && o < PCI_BASE_ADDRESS_5 + 4) {
			unsigned int bar = (unsigned int)(o - PCI_BASE_ADDRESS_0) / 4;
			unsigned int sh = (unsigned int)(o & 3) * 8;
			uint64_t size = bar_upper(v, bar) ? 0 : v->cfg.bar_size[bar];

			if (wr) {
				uint32_t val = v->vbar[bar], mask;

				val &= ~(0xffu << sh);
				val |= (uint32_t)buf[i] << sh;
				mask = size != 0 ? ~(uint32_t)(size - 1) : 0;
				v->vbar[bar] = (val & mask & ~0xfu) |
					       (size ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0);
			} else {
				buf[i] = (uint8_t)(v->vbar[bar] >> sh);
			}
			continue;
		}
		if (!wr) {
			buf[i] = __atomic_load_n(&cfg[o], __ATOMIC_ACQUIRE);
			continue;
		}
		if (o == PCI_COMMAND || o == PCI_COMMAND + 1) {
			uint16_t cmd = opnic_model_command(v->cfg.m);

			if (o == PCI_COMMAND)
				cmd = (uint16_t)((cmd & 0xff00) | buf[i]);
			else
				cmd = (uint16_t)((cmd & 0x00ff) | (buf[i] << 8));
			opnic_model_set_command(v->cfg.m, cmd);
		}
	}
}

/* Copy between buf and BAR memory p; aligned words as single accesses. */
static void
bar_copy(uint8_t *p, uint8_t *buf, uint32_t n, int wr)
{
	if (n == 4 && ((uintptr_t)p & 3) == 0) {
		uint32_t w;

		if (wr) {
			memcpy(&w, buf, 4);
			__atomic_store_n((uint32_t *)p, w, __ATOMIC_RELEASE);
		} else {
			w = __atomic_load_n((uint32_t *)p, __ATOMIC_ACQUIRE);
			memcpy(buf, &w, 4);
		}
	} else if (n == 8 && ((uintptr_t)p & 7) == 0) {
		uint64_t w;

		if (wr) {
			memcpy(&w, buf, 8);
			__atomic_store_n((uint64_t *)p, w, __ATOMIC_RELEASE);
		} else {
			w = __atomic_load_n((uint64_t *)p, __ATOMIC_ACQUIRE);
			memcpy(buf, &w, 8);
		}
	} else if (wr) {
		memcpy(p, buf, n);
	} else {
		memcpy(buf, p, n);
	}
}

static uint8_t *
bar_mem(struct opnic_vfu *v, unsigned int idx)
{
	struct opnic_model_dev *m = v->cfg.m;

	if (idx == 0)
		return m->bar0;
	if (m->prof.msix_bar != 0 && idx == m->prof.msix_bar)
		return m->msix_bar;
	return NULL;
}

/* One access of count bytes at off of region idx. 0 or -errno (the
 * message's error set). */
static int
region_rw(struct opnic_vfu *v, struct vfu_msg *x, unsigned int idx,
	  uint64_t off, uint8_t *buf, uint32_t count, int wr)
{
	struct opnic_model_dev *m = v->cfg.m;
	uint64_t size, xs = 0, xe = 0, end, o;
	uint8_t *mem;

	if (count == 0 || count > VFU_MAX_XFER)
		return vfu_msg_error(x, EINVAL, "region %u count %u: expected "
				     "1..%u", idx, count, VFU_MAX_XFER);
	if (idx == VFIO_PCI_CONFIG_REGION_INDEX) {
		if (off >= VFU_CFG_SIZE || count > VFU_CFG_SIZE - off)
			return vfu_msg_error(x, EINVAL, "config offset 0x%" PRIx64
					     " count %u: past %u bytes", off,
					     count, VFU_CFG_SIZE);
		config_rw(v, buf, count, off, wr);
		return 0;
	}
	mem = idx <= VFIO_PCI_BAR5_REGION_INDEX && v->cfg.bar_size[idx] != 0 ?
	      bar_mem(v, idx) : NULL;
	if (mem == NULL)
		return vfu_msg_error(x, EINVAL, "region %u: not readable or "
				     "writable", idx);
	size = v->cfg.bar_size[idx];
	if (off >= size || count > size - off)
		return vfu_msg_error(x, EINVAL, "region %u offset 0x%" PRIx64
				     " count %u: past its 0x%" PRIx64 " bytes",
				     idx, off, count, size);
	/* Surprise removal: the model wiped config space to all ones. */
	if (m->cfg[PCI_VENDOR_ID] == 0xff && m->cfg[PCI_VENDOR_ID + 1] == 0xff)
		return vfu_msg_error(x, EIO, "device removed");
	if (!opnic_model_mem_enabled(m)) {
		if (!wr)
			memset(buf, 0xff, count);
		return 0;
	}
	if (idx == (m->prof.msix_bar)) {
		xs = m->prof.msix_table;
		xe = xs + (uint64_t)m->prof.msix_vectors * OPNIC_MSIX_ENTRY_SIZE;
	}
	end = off + count;
	for (o = off; o < end;) {
		uint64_t stop;

		if (o >= xs && o < xe) {
			stop = end < xe ? end : xe;
			if (!wr)
				memset(buf + (o - off), 0xff, stop - o);
		} else {
			stop = o < xs ? (end < xs ? end : xs) : end;
			bar_copy(mem + o, buf + (o - off), (uint32_t)(stop - o), wr);
		}
		o = stop;
	}
	return 0;
}

int
vfu_handle_region_read(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_region_rw rw;
	uint8_t *data;

	if (x->len != sizeof(rw))
		return vfu_msg_error(x, EINVAL, "region read payload of %u bytes: "
				     "expected %zu", x->len, sizeof(rw));
	memcpy(&rw, x->payload, sizeof(rw));
	if (rw.count == 0 || rw.count > VFU_MAX_XFER)
		return vfu_msg_error(x, EINVAL, "region read count %u: expected "
				     "1..%u", rw.count, VFU_MAX_XFER);
	if (vfu_reply_put(x, &rw, sizeof(rw)) != 0 ||
	    (data = vfu_reply_reserve(x, rw.count)) == NULL)
		return -x->err;
	return region_rw(v, x, rw.region, rw.offset, data, rw.count, 0);
}

int
vfu_handle_region_write(struct opnic_vfu *v, struct vfu_msg *x)
{
	struct vfu_region_rw rw;
	int r;

	if (x->len < sizeof(rw))
		return vfu_msg_error(x, EINVAL, "region write payload of %u bytes: "
				     "expected at least %zu", x->len, sizeof(rw));
	memcpy(&rw, x->payload, sizeof(rw));
	if (rw.count != x->len - sizeof(rw))
		return vfu_msg_error(x, EINVAL, "region write count %u with %zu "
				     "data bytes", rw.count, x->len - sizeof(rw));
	r = region_rw(v, x, rw.region, rw.offset, x->payload + sizeof(rw),
		      rw.count, 1);
	if (r != 0)
		return r;
	return vfu_reply_put(x, &rw, sizeof(rw));
}

int
vfu_handle_write_multi(struct opnic_vfu *v, struct vfu_msg *x)
{
	const struct vfu_write_one *w;
	uint64_t cnt, i;

	if (!v->caps.write_multi)
		return vfu_msg_error(x, EINVAL, "write multi not negotiated");
	if (x->len < sizeof(cnt))
		return vfu_msg_error(x, EINVAL, "write multi payload of %u bytes",
				     x->len);
	memcpy(&cnt, x->payload, sizeof(cnt));
	if (cnt == 0 || cnt > VFU_WRITE_MULTI_MAX ||
	    x->len != sizeof(cnt) + cnt * sizeof(*w))
		return vfu_msg_error(x, EINVAL, "write multi of %" PRIu64 " writes "
				     "in %u bytes: expected 1..%u writes of %zu "
				     "bytes", cnt, x->len, VFU_WRITE_MULTI_MAX,
				     sizeof(*w));
	/* Check them all first: a bad one changes nothing. */
	for (i = 0; i < cnt; i++) {
		w = (const struct vfu_write_one *)(x->payload + sizeof(cnt)) + i;
		if (w->count == 0 || w->count > sizeof(w->data))
			return vfu_msg_error(x, EINVAL, "write multi entry %" PRIu64
					     " count %u: expected 1..8", i,
					     w->count);
	}
	for (i = 0; i < cnt; i++) {
		struct vfu_write_one one;

		memcpy(&one, x->payload + sizeof(cnt) + i * sizeof(one),
		       sizeof(one));
		if (region_rw(v, x, one.region, one.offset, one.data, one.count,
			      1) != 0)
			return -x->err;
	}
	return vfu_reply_put(x, &cnt, sizeof(cnt));
}
