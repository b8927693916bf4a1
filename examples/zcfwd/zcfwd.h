/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZCFWD_H
#define ZCFWD_H

/*
 * zcfwd: longest-prefix-match IPv4/IPv6 forwarding that can hand buffers back
 * through net_zcrx refill queues instead of the mempool.
 *   options.c  command line          routes.c  route file -> LPM tables
 *   route.h    per-packet decision   lcore.c   run-to-completion and pipeline loops
 *   setup.c    options -> pool, ports, lcore roles; teardown and audit
 *   stats.c    live lines, summary and buffer audit
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <zc_rq.h>

#define ZCFWD_MAX_PORTS 32
#define ZCFWD_MAX_RXQ_PER_LCORE 16
#define ZCFWD_BURST 32

enum zcfwd_model {
	ZCFWD_RTC,       /* Each lcore receives, routes and transmits. */
	ZCFWD_PIPELINE,  /* Receive lcores hand packets to worker lcores. */
};

enum zcfwd_return {
	ZCFWD_RETURN_FREE,    /* rte_pktmbuf_free(): back to the mempool. */
	ZCFWD_RETURN_REFILL,  /* The receive queue's refill ring, free when full. */
};

/* Why a packet was dropped; the order of zcfwd_drop_names[]. */
enum zcfwd_drop {
	ZCFWD_DROP_NOT_IP,      /* Neither IPv4 nor IPv6. */
	ZCFWD_DROP_BAD_HDR,     /* Truncated, bad version or header checksum. */
	ZCFWD_DROP_NO_ROUTE,    /* No matching prefix. */
	ZCFWD_DROP_TTL,         /* TTL or hop limit would reach zero. */
	ZCFWD_DROP_TX_FULL,     /* The transmit queue took no more. */
	ZCFWD_DROP_PIPE_FULL,   /* The worker's ring was full. */
	ZCFWD_DROP_MAX
};
extern const char * const zcfwd_drop_names[ZCFWD_DROP_MAX];

/* One lcore's counters for one port: written by that lcore only. */
struct zcfwd_counters {
	uint64_t rx;             /* Received on the port. */
	uint64_t tx;             /* Transmitted on the port. */
	uint64_t drop[ZCFWD_DROP_MAX]; /* Dropped, by the port they arrived on. */
	uint64_t ret_refill;     /* Buffers of the port returned through its refill ring. */
	uint64_t ret_free;       /* Buffers of the port freed to the pool. */
	uint64_t refill_full;    /* Of those freed: the refill ring was full. */
} __rte_cache_aligned;

struct zcfwd_config_entry {
	uint16_t port;
	uint16_t queue;
	uint16_t lcore;
};

/* Everything the command line says. */
struct zcfwd_options {
	uint32_t portmask;
	struct zcfwd_config_entry config[RTE_MAX_LCORE];
	unsigned int nb_config;
	uint16_t workers[RTE_MAX_LCORE];
	unsigned int nb_workers;
	const char *routes;
	struct rte_ether_addr eth_dest[ZCFWD_MAX_PORTS];
	enum zcfwd_model model;
	enum zcfwd_return ret;
	unsigned int duration;    /* Seconds; 0 runs until SIGINT. */
	unsigned int pool_size;   /* mbufs; 0 sizes the pool from the queues. */
	bool promiscuous;
	bool quiet;               /* No live lines. */
	bool idle_yield;          /* sched_yield() after an empty poll. */
};

/* Routing tables and the rewrite per output port. */
struct zcfwd_routes {
	struct rte_lpm *lpm4;
	struct rte_lpm6 *lpm6;
	unsigned int nb_routes4;
	unsigned int nb_routes6;
	/* /0 routes: rte_lpm and rte_lpm6 take depths from 1. -1: none. */
	int default4;
	int default6;
	struct rte_ether_hdr out_hdr[ZCFWD_MAX_PORTS]; /* dst = next hop, src = port. */
};

/* A receive queue as an lcore sees it. */
struct zcfwd_rxq {
	uint16_t port;
	uint16_t queue;
	struct rte_ring *ring;  /* Pipeline: to the worker. */
	struct zc_rq *rq;       /* Refill ring, produced by this queue's forwarding lcore. */
};

/* Packets waiting for a transmit burst, per output port. */
struct zcfwd_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[ZCFWD_BURST];
};

enum zcfwd_role { ZCFWD_IDLE, ZCFWD_FWD, ZCFWD_RX, ZCFWD_WORKER };

struct zcfwd_lcore {
	enum zcfwd_role role;
	uint16_t nb_rxq;
	struct zcfwd_rxq rxq[ZCFWD_MAX_RXQ_PER_LCORE]; /* FWD, RX: queues polled; WORKER: rings. */
	uint16_t txq;                                  /* FWD, WORKER: queue on every port. */
	/* Per port, plus one slot for buffers whose port is unknown (copy frames). */
	struct zc_rq *rq_of_port[ZCFWD_MAX_PORTS + 1]; /* Where this lcore returns buffers. */
	struct zcfwd_counters cnt[ZCFWD_MAX_PORTS + 1];
	struct zcfwd_txbuf tx[ZCFWD_MAX_PORTS];
	/* TSC cycles of loop iterations that had packets, and those packets. */
	uint64_t busy_cycles;
	uint64_t busy_pkts;
} __rte_cache_aligned;

/* The running forwarder. */
struct zcfwd {
	struct zcfwd_options opt;
	struct zcfwd_routes routes;
	struct rte_mempool *pool;
	uint16_t ports[ZCFWD_MAX_PORTS];    /* Enabled ports, in order. */
	unsigned int nb_ports;
	struct zcfwd_lcore lcore[RTE_MAX_LCORE];
	bool started[ZCFWD_MAX_PORTS];
	volatile bool quit;
};

/* setup.c: ports, pool, lcores and rings from the options; teardown returns the audit. */
int zcfwd_setup(struct zcfwd *fwd);
int zcfwd_teardown(struct zcfwd *fwd);

/* options.c */
int zcfwd_parse_args(int argc, char **argv, struct zcfwd_options *opt);
void zcfwd_usage(const char *prog);

/* routes.c: 0, or -1 after printing "FILE:LINE: what is wrong". */
int zcfwd_routes_load(const char *path, uint32_t portmask, struct zcfwd_routes *r,
		      int socket_id);
void zcfwd_routes_free(struct zcfwd_routes *r);

/* route.h: zcfwd_route(), the per-packet decision (inline). */
#include "route.h"

/* Counter and refill slot of a buffer's port. */
static inline unsigned int
zcfwd_port_slot(uint16_t port)
{
	return port < ZCFWD_MAX_PORTS ? port : ZCFWD_MAX_PORTS;
}

/* lcore.c */
int zcfwd_lcore_main(void *arg);
void zcfwd_release(struct zcfwd_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
void zcfwd_tx_done(struct rte_mbuf **pkts, uint16_t n, void *arg);
unsigned int zcfwd_lcore_drain(struct zcfwd_lcore *lc);

/* stats.c; totals: a port's counters (or the unknown slot) summed over lcores. */
void zcfwd_port_totals(const struct zcfwd *fwd, unsigned int slot, struct zcfwd_counters *t);
void zcfwd_stats_line(const struct zcfwd *fwd, double seconds);
void zcfwd_summary(const struct zcfwd *fwd, double seconds);
int zcfwd_audit(const struct zcfwd *fwd);
/* /zcfwd/ports and /zcfwd/stats,PORT on the telemetry socket. */
void zcfwd_telemetry_register(const struct zcfwd *fwd);

#endif /* ZCFWD_H */
