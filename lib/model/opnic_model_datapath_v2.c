/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The revision-2 datapath (spec 9): RX write-back descriptors with a DD bit,
 * scattered RX, RX checksum/packet type/VLAN strip; TX segment chains with
 * checksum and VLAN insertion, and a head index written to one host cache
 * line on RS, every WB_EVERY descriptors, on an error and when the ring runs
 * dry, instead of a completion per descriptor. The driver is untrusted:
 * each descriptor is read once, every length and segment count is checked,
 * every buffer goes through the IOVA map, and a frame the device cannot
 * send is refused with a counted error, never followed.
 */

#include <errno.h>
#include <string.h>

#include "opnic_model_internal.h"
#include "opnic_offload.h"

uint32_t
opnic_model_max_rx_frame(struct opnic_model_dev *dev)
{
	uint32_t v = opnic_model_ld32(dev->bar0 + dev->blk[OPNIC_BLK_MAC] +
				      OPNIC_MAC_MAX_RX_FRAME);

	if (v < OPNIC_MAC_MIN_RX_FRAME)
		return OPNIC_MAC_MIN_RX_FRAME;
	return v > OPNIC_MODEL_MAX_FRAME ? OPNIC_MODEL_MAX_FRAME : v;
}

int
opnic_model_v2_queue_enable(struct opnic_model_dev *dev,
			    struct opnic_model_q *q, uint64_t head_iova)
{
	uint32_t every = opnic_model_ld32(qcfg_reg(dev, 0, q->qid,
						   OPNIC_Q_WB_EVERY));

	if (head_iova & 63)
		return -1;
	q->head = (struct opnic_tx_head *)opnic_dma_ptr(dev->dma, head_iova,
							sizeof(*q->head));
	if (q->head == NULL)
		return -1;
	q->wb_every = every > q->size ? q->size : every;
	return 0;
}

/* The head line (spec 9.5): the error fields, then the head, last. */
void
opnic_model_tx_head_write(struct opnic_model_q *q)
{
	__atomic_store_n(&q->head->err_frames, q->err_frames, __ATOMIC_RELAXED);
	__atomic_store_n(&q->head->head, q->cons, __ATOMIC_RELEASE);
	q->since_wb = 0;
}

/* Read a frame's descriptors (each once: the driver may rewrite them) up
 * to and including EOP. Returns the number read; *err the first fault of
 * the chain itself (OPNIC_TXE_*), *total its bytes. */
static unsigned int
tx_chain(const struct opnic_model_q *q, uint32_t avail,
	 struct opnic_tx_desc_v2 *d, unsigned int *err, uint32_t *total,
	 int *report)
{
	unsigned int n = 0;

	*err = OPNIC_TXE_NONE;
	*total = 0;
	*report = 0;
	for (;;) {
		const struct opnic_tx_desc_v2 *cur;

		if (n == avail || n == OPNIC_TX_MAX_SEGS) {
			/* The producer index ends inside the frame, or
			 * the frame has too many segments. */
			if (*err == OPNIC_TXE_NONE)
				*err = OPNIC_TXE_NO_EOP;
			return n;
		}
		memcpy(&d[n], q->ring + ((q->cons + n) & q->mask) * 16,
		       sizeof(d[n]));
		cur = &d[n++];
		if (cur->flags & OPNIC_TXF_RS)
			*report = 1;
		if (*err == OPNIC_TXE_NONE && cur->len == 0)
			*err = OPNIC_TXE_ZERO_LEN;
		if (*err == OPNIC_TXE_NONE && (cur->flags & ~OPNIC_TXF_KNOWN))
			*err = OPNIC_TXE_OFFLOAD;	/* reserved bits */
		*total += cur->len;
		if (cur->flags & OPNIC_TXF_EOP)
			return n;
	}
}

/* Gather, offload and send one frame; OPNIC_TXE_* (0: sent). */
static unsigned int
tx_frame(struct opnic_model_dev *dev, const struct opnic_tx_desc_v2 *d,
	 unsigned int nseg, uint32_t total)
{
	uint8_t *fr = dev->tx_frame;
	uint32_t off = 0;
	unsigned int i;

	if (total < 14 || total > OPNIC_MODEL_MAX_FRAME)
		return OPNIC_TXE_TOO_LONG;
	if (nseg == 1 && !(d[0].flags & (OPNIC_TXF_VLAN | OPNIC_TXF_IP_CSUM |
					 OPNIC_TXF_L4_MASK))) {
		/* One segment, nothing to change: sent from host memory as
		 * version 1 does (no staging copy). */
		const uint8_t *p = opnic_dma_ptr(dev->dma, d[0].addr, total);

		if (p == NULL)
			return OPNIC_TXE_DMA;
		opnic_model_wire_send(dev, p, total);
		return OPNIC_TXE_NONE;
	}
	for (i = 0; i < nseg; i++) {
		const uint8_t *p = opnic_dma_ptr(dev->dma, d[i].addr, d[i].len);

		if (p == NULL)
			return OPNIC_TXE_DMA;
		memcpy(fr + off, p, d[i].len);
		off += d[i].len;
	}
	if (opnic_tx_csum(fr, total, d[0].flags, d[0].hdr_lens) != 0)
		return OPNIC_TXE_OFFLOAD;
	if (d[0].flags & OPNIC_TXF_VLAN)
		total = opnic_vlan_insert(fr, total, d[0].vlan_tci);
	opnic_model_wire_send(dev, fr, total);
	return OPNIC_TXE_NONE;
}

unsigned int
opnic_model_tx_v2(struct opnic_model_dev *dev, struct opnic_model_q *q)
{
	struct opnic_tx_desc_v2 d[OPNIC_TX_MAX_SEGS];
	uint32_t prod = opnic_model_tx_prod(dev, q);
	unsigned int n = 0;

	if ((uint32_t)(prod - q->cons) > q->size) {
		/* The driver claims more descriptors than the ring holds. */
		dev->st[OPNIC_ST_DESC_ERRORS / 8]++;
		q->prod = prod = q->cons;
	}
	while (q->cons != prod && n < OPNIC_TX_BUDGET) {
		unsigned int nseg, err;
		uint32_t total;
		int report;

		nseg = tx_chain(q, prod - q->cons, d, &err, &total, &report);
		if (err == OPNIC_TXE_NONE)
			err = tx_frame(dev, d, nseg, total);
		if (err == OPNIC_TXE_NONE) {
			if (d[0].flags & OPNIC_TXF_VLAN)
				total += 4;
			q->pkts++;
			q->bytes += total;
			dev->st[OPNIC_ST_TX_PKTS / 8]++;
			dev->st[OPNIC_ST_TX_BYTES / 8] += total;
		} else {
			/* Refused like hardware: counted, reported in the
			 * head line, the descriptors given back. */
			if (err == OPNIC_TXE_DMA)
				dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
			else
				dev->st[OPNIC_ST_DESC_ERRORS / 8]++;
			dev->tx_refused[err]++;
			q->err_frames++;
			__atomic_store_n(&q->head->last_err, (uint16_t)err,
					 __ATOMIC_RELAXED);
			__atomic_store_n(&q->head->last_err_desc, q->cons,
					 __ATOMIC_RELAXED);
			report = 1;
		}
		q->cons += nseg;
		q->since_wb += nseg;
		if (report || (q->wb_every != 0 && q->since_wb >= q->wb_every))
			opnic_model_tx_head_write(q);
		n++;
	}
	/* The ring ran dry: what was not reported yet is, once. */
	if (q->cons == prod && q->since_wb != 0)
		opnic_model_tx_head_write(q);
	if (n != 0)
		q->idle_polls = 0;
	else
		opnic_model_tx_maybe_idle(q);
	return n;
}

/* One RX write-back (spec 9.3): everything, then status with DD. */
static void
wb_store(uint8_t *slot, uint32_t hash, uint16_t len, uint16_t tci,
	 uint16_t ptype, uint16_t offl, uint16_t err, uint16_t status)
{
	struct opnic_rx_wb *w = (struct opnic_rx_wb *)(void *)slot;

	w->rss_hash = hash;
	w->len = len;
	w->vlan_tci = tci;
	w->ptype = ptype;
	w->offload = offl;
	w->error = err;
	__atomic_store_n(&w->status, status, __ATOMIC_RELEASE);
}

int
opnic_model_rx_v2(struct opnic_model_dev *dev, struct opnic_model_q *q,
		  const uint8_t *f, uint32_t len, uint32_t hash,
		  unsigned int ht, int may_wait)
{
	uint16_t tci = 0, ptype = 0, offl = 0;
	const uint8_t *fr = f;
	uint32_t flen = len, need, off, i;

	if (len < 14 || len > OPNIC_MODEL_FRAME_BUF) {
		dev->st[OPNIC_ST_RX_TOO_LONG / 8]++;
		return -EMSGSIZE;
	}
	if ((q->offload & OPNIC_RXOFF_VLAN_STRIP) && opnic_vlan_tagged(f, len)) {
		tci = (uint16_t)(f[14] << 8 | f[15]);
		memcpy(dev->rx_frame, f, 12);
		memcpy(dev->rx_frame + 12, f + 16, len - 16);
		fr = dev->rx_frame;
		flen = len - 4;
		offl |= OPNIC_RXO_VLAN;
	}
	if (q->offload & (OPNIC_RXOFF_CSUM | OPNIC_RXOFF_PTYPE)) {
		struct opnic_pkt p;
		unsigned int ip, l4;

		opnic_pkt_parse(fr, flen, &p);
		if (q->offload & OPNIC_RXOFF_PTYPE)
			ptype = p.ptype;
		if (q->offload & OPNIC_RXOFF_CSUM) {
			opnic_rx_csum(fr, flen, &p, &ip, &l4);
			offl |= (uint16_t)(ip | l4 << 2);
			if (ip == OPNIC_CKS_BAD || l4 == OPNIC_CKS_BAD)
				dev->rx_csum_bad++;
		}
	}
	if (ht != OPNIC_RSS_HT_NONE)
		offl |= (uint16_t)(OPNIC_RXO_RSS | ht << OPNIC_RXO_HT_SHIFT);
	need = (q->offload & OPNIC_RXOFF_SCATTER) ?
	       (flen + q->buf_size - 1) / q->buf_size : 1;
	if (need > q->size) {
		/* More buffers than the ring holds: it can never fit. */
		dev->st[OPNIC_ST_RX_TOO_LONG / 8]++;
		return -EMSGSIZE;
	}
	if ((uint32_t)(q->prod - q->cons) < need)
		opnic_model_rx_prod(dev, q);
	if ((uint32_t)(q->prod - q->cons) < need) {
		if (may_wait)
			return -EAGAIN;
		dev->st[OPNIC_ST_RX_NO_DESC / 8]++;
		return -ENOBUFS;
	}
	if (flen > q->buf_size && !(q->offload & OPNIC_RXOFF_SCATTER)) {
		wb_store(q->ring + (q->cons & q->mask) * 16, 0, 0, 0, 0, 0,
			 OPNIC_RXE_TOO_LONG,
			 OPNIC_RXS_DD | OPNIC_RXS_SOP | OPNIC_RXS_EOP);
		q->cons++;
		dev->st[OPNIC_ST_RX_TOO_LONG / 8]++;
		return -EMSGSIZE;
	}
	for (i = 0, off = 0; i < need; i++) {
		uint8_t *slot = q->ring + (q->cons & q->mask) * 16;
		uint64_t addr = __atomic_load_n((const uint64_t *)(void *)slot,
						__ATOMIC_RELAXED);
		uint32_t seg = flen - off < q->buf_size ? flen - off : q->buf_size;
		uint16_t st = (uint16_t)(OPNIC_RXS_DD | (i == 0 ? OPNIC_RXS_SOP : 0) |
					 (i + 1 == need ? OPNIC_RXS_EOP : 0));
		uint8_t *buf = opnic_dma_ptr(dev->dma, addr, seg);

		if (buf == NULL) {
			/* The frame ends here, with the error. */
			wb_store(slot, 0, 0, 0, 0, 0, OPNIC_RXE_DMA,
				 (uint16_t)(st | OPNIC_RXS_EOP));
			q->cons++;
			dev->st[OPNIC_ST_DMA_ERRORS / 8]++;
			return -EFAULT;
		}
		memcpy(buf, fr + off, seg);
		if (i + 1 == need)
			wb_store(slot, hash, (uint16_t)seg, tci, ptype, offl, 0, st);
		else
			wb_store(slot, 0, (uint16_t)seg, 0, 0, 0, 0, st);
		q->cons++;
		off += seg;
	}
	q->pkts++;
	q->bytes += flen;
	dev->st[OPNIC_ST_RX_PKTS / 8]++;
	dev->st[OPNIC_ST_RX_BYTES / 8] += flen;
	return 0;
}
