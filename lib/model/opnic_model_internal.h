/* SPDX-License-Identifier: BSD-3-Clause */

/* Shared between the model's register side and its datapath. */

#ifndef _OPNIC_MODEL_INTERNAL_H_
#define _OPNIC_MODEL_INTERNAL_H_

#include <string.h>

#include "opnic_model.h"

/* Device-visible fields are little-endian (spec 1); the model runs on
 * little-endian hosts only (x86_64, ppc64le) and uses them as they are. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the opnic model needs a little-endian host");

static inline uint64_t
ld_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline void
st_le64(uint8_t *p, uint64_t v)
{
	__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
}

static inline uint8_t *
qcfg_reg(struct opnic_model_dev *dev, int is_rx, unsigned int q,
	 uint32_t reg)
{
	return dev->bar0 + dev->blk[OPNIC_BLK_QCFG] +
	       (is_rx ? OPNIC_QCFG_RX_BASE : 0) + q * OPNIC_QCFG_STRIDE + reg;
}

/* Datapath (opnic_model_datapath.c). */
void opnic_model_queue_ctrl(struct opnic_model_dev *dev, int is_rx,
			    unsigned int q, uint32_t ctrl);
unsigned int opnic_model_process(struct opnic_model_dev *dev);
void opnic_model_queues_reset(struct opnic_model_dev *dev);
uint32_t opnic_model_tx_prod(struct opnic_model_dev *dev,
			     struct opnic_model_q *q);
void opnic_model_tx_maybe_idle(struct opnic_model_q *q);
void opnic_model_rx_prod(struct opnic_model_dev *dev, struct opnic_model_q *q);
void opnic_model_wire_send(struct opnic_model_dev *dev, const uint8_t *f,
			   uint32_t len);

/* Revision 2 datapath (opnic_model_datapath_v2.c, spec 9). */
int opnic_model_v2_queue_enable(struct opnic_model_dev *dev,
				struct opnic_model_q *q, uint64_t head_iova);
unsigned int opnic_model_tx_v2(struct opnic_model_dev *dev,
			       struct opnic_model_q *q);
int opnic_model_rx_v2(struct opnic_model_dev *dev, struct opnic_model_q *q,
		      const uint8_t *f, uint32_t len, uint32_t hash,
		      unsigned int ht, int may_wait);
void opnic_model_tx_head_write(struct opnic_model_q *q);
/* MAC.MAX_RX_FRAME as the device applies it (spec 9.2.1). */
uint32_t opnic_model_max_rx_frame(struct opnic_model_dev *dev);


/* Set a device-owned register and the model's shadow of it together. */
void opnic_model_dev_set_reg(struct opnic_model_dev *dev, uint32_t off,
			     uint32_t val);

/* PCI rules (opnic_model_pci.c): memory decoding off, undo doorbell
 * stores; a reset in progress, complete it when due (1: still running). */
void opnic_model_doorbells_hold(struct opnic_model_dev *dev);
int opnic_model_reset_service(struct opnic_model_dev *dev);

/* MSI-X (opnic_model_msix.c). */
void opnic_model_raise(struct opnic_model_dev *dev, unsigned int vector);
uint8_t *opnic_model_msix_entry(struct opnic_model_dev *dev,
				unsigned int vector);
void opnic_model_pba_publish(struct opnic_model_dev *dev, unsigned int word);
void opnic_model_msix_service(struct opnic_model_dev *dev);

/* Config space at power-up (opnic_model_cfg.c). */
void opnic_model_cfg_init(struct opnic_model_dev *dev);

/* Link block register effects (opnic_model_link.c). */
struct opnic_watch;
void opnic_model_effect_cause_clr(struct opnic_model_dev *dev,
				  struct opnic_watch *w, uint32_t val);
void opnic_model_effect_intr_en(struct opnic_model_dev *dev,
				struct opnic_watch *w, uint32_t val);

#endif /* _OPNIC_MODEL_INTERNAL_H_ */
