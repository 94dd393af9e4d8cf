/* SPDX-License-Identifier: BSD-3-Clause */

/*
 * The model's PCI rules (doc/spec.md 1.1, 3.1): the command register as the
 * function obeys it (memory decoding off: doorbell stores undone; Bus
 * Master is checked where DMA happens) and resets that take time: ID.RESET
 * and FLR start here and complete when their time is up.
 */

#include <time.h>

#include "opnic_model_internal.h"

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
opnic_model_reset_begin(struct opnic_model_dev *dev, enum opnic_reset_kind kind)
{
	uint32_t id = dev->blk[OPNIC_BLK_ID];

	if (dev->in_reset == OPNIC_RST_NONE || kind == OPNIC_RST_FLR)
		dev->in_reset = (uint8_t)kind;
	/* The function stops at once: no DMA, no register acted on. */
	opnic_model_queues_reset(dev);
	opnic_model_dev_set_reg(dev, id + OPNIC_ID_STATUS, 0);
	if (kind == OPNIC_RST_ID)
		opnic_model_dev_set_reg(dev, id + OPNIC_ID_RESET, 1);
	dev->reset_due = now_ns() + dev->reset_ns;
	if (dev->reset_ns == 0)
		opnic_model_reset_finish(dev);
}

void
opnic_model_reset_finish(struct opnic_model_dev *dev)
{
	enum opnic_reset_kind kind = (enum opnic_reset_kind)dev->in_reset;

	if (kind == OPNIC_RST_NONE)
		return;
	dev->in_reset = OPNIC_RST_NONE;
	if (kind == OPNIC_RST_FLR)
		opnic_model_flr(dev);
	else
		opnic_model_reset(dev);
}

void
opnic_model_set_command(struct opnic_model_dev *dev, uint16_t cmd)
{
	__atomic_store_n((uint16_t *)(dev->cfg + PCI_COMMAND), cmd,
			 __ATOMIC_RELEASE);
}

/* A reset in progress: complete it when its time is up. 1 while it is
 * still in progress (the device does nothing else), 0 once it is done. */
int
opnic_model_reset_service(struct opnic_model_dev *dev)
{
	if (now_ns() < dev->reset_due)
		return 1;
	opnic_model_reset_finish(dev);
	return 0;
}

/*
 * Memory decoding off (PCI command bit 1): a doorbell store through a
 * mapping never reached the function. The first poll that sees MSE off
 * takes the doorbells as they are; later stores are undone, counted.
 */
void
opnic_model_doorbells_hold(struct opnic_model_dev *dev)
{
	unsigned int rx, q;

	for (rx = 0; rx < 2; rx++) {
		uint8_t *db = dev->bar0 + dev->blk[rx ? OPNIC_BLK_RXDB :
						   OPNIC_BLK_TXDB];

		for (q = 0; q < dev->prof.queues; q++) {
			uint8_t *p = db + q * OPNIC_DB_STRIDE;
			uint32_t v = opnic_model_ld32(p);

			if (!dev->mem_off) {
				dev->db_snap[rx][q] = v;
			} else if (v != dev->db_snap[rx][q]) {
				opnic_model_st32(p, dev->db_snap[rx][q]);
				dev->mse_writes_dropped++;
			}
		}
	}
	dev->mem_off = 1;
}
