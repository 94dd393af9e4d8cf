/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef _OPNIC_LOGS_H_
#define _OPNIC_LOGS_H_

#include <rte_log.h>

extern int opnic_logtype_driver;

/* Callers never add "\n". */
#define PMD_DRV_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, opnic_logtype_driver, "%s(): " fmt "\n", \
		__func__, ##__VA_ARGS__)

#endif /* _OPNIC_LOGS_H_ */
