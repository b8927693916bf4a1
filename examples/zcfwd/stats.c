/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include <zc_pool.h>

#include "zcfwd.h"

void
zcfwd_port_totals(const struct zcfwd *fwd, unsigned int slot, struct zcfwd_counters *t)
{
	unsigned int l, d;

	memset(t, 0, sizeof(*t));
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct zcfwd_counters *c = &fwd->lcore[l].cnt[slot];

		if (fwd->lcore[l].role == ZCFWD_IDLE)
			continue;
		t->rx += __atomic_load_n(&c->rx, __ATOMIC_RELAXED);
		t->tx += __atomic_load_n(&c->tx, __ATOMIC_RELAXED);
		for (d = 0; d < ZCFWD_DROP_MAX; d++)
			t->drop[d] += __atomic_load_n(&c->drop[d], __ATOMIC_RELAXED);
		t->ret_refill += __atomic_load_n(&c->ret_refill, __ATOMIC_RELAXED);
		t->ret_free += __atomic_load_n(&c->ret_free, __ATOMIC_RELAXED);
		t->refill_full += __atomic_load_n(&c->refill_full, __ATOMIC_RELAXED);
	}
}

/* "no_route 3 ttl_expired 1", only reasons with a count; "none" otherwise. */
static void
format_drops(char *buf, size_t len, const uint64_t *now, const uint64_t *before)
{
	unsigned int d;
	int n = 0;

	buf[0] = '\0';
	for (d = 0; d < ZCFWD_DROP_MAX && (size_t)n < len; d++)
		if (now[d] != before[d])
			n += snprintf(buf + n, len - n, "%s%s %" PRIu64, n ? " " : "",
				      zcfwd_drop_names[d], now[d] - before[d]);
	if (n == 0)
		snprintf(buf, len, "none");
}

/*
 * Frames the port lost before zcfwd saw them, from ethdev: imissed (for
 * net_zcrx, the socket's rx_dropped and rx_ring_full: zcfwd did not poll fast
 * enough, or the fill ring was empty), ierrors and rx_nombuf.
 */
struct zcfwd_lost {
	uint64_t missed, errors, nombuf;
};

static struct zcfwd_lost
port_lost(uint16_t port)
{
	struct rte_eth_stats st;
	struct zcfwd_lost l = { 0 };

	if (rte_eth_stats_get(port, &st) == 0) {
		l.missed = st.imissed;
		l.errors = st.ierrors;
		l.nombuf = st.rx_nombuf;
	}
	return l;
}

void
zcfwd_stats_line(const struct zcfwd *fwd, double seconds)
{
	static struct zcfwd_counters prev[ZCFWD_MAX_PORTS];
	static struct zcfwd_lost prev_lost[ZCFWD_MAX_PORTS];
	unsigned int i;

	for (i = 0; i < fwd->nb_ports; i++) {
		uint16_t p = fwd->ports[i];
		struct zcfwd_lost lost = port_lost(p);
		struct zcfwd_counters t;
		char drops[256];

		zcfwd_port_totals(fwd, p, &t);
		format_drops(drops, sizeof(drops), t.drop, prev[p].drop);
		printf("port %u: rx %7.3f Mpps  tx %7.3f Mpps | lost/s %.3fM | drops/s %s | returned/s refill %.3fM free %.3fM",
		       p, (t.rx - prev[p].rx) / seconds / 1e6, (t.tx - prev[p].tx) / seconds / 1e6,
		       (lost.missed + lost.errors + lost.nombuf - prev_lost[p].missed -
			prev_lost[p].errors - prev_lost[p].nombuf) / seconds / 1e6,
		       drops, (t.ret_refill - prev[p].ret_refill) / seconds / 1e6,
		       (t.ret_free - prev[p].ret_free) / seconds / 1e6);
		prev_lost[p] = lost;
		if (t.refill_full != prev[p].refill_full)
			printf(" (ring full %" PRIu64 ")", t.refill_full - prev[p].refill_full);
		printf("\n");
		prev[p] = t;
	}
	fflush(stdout);
}

/*
 * Cycles per forwarded packet, the sum over the lcores a packet passes (receive
 * and worker in a pipeline), from busy loop iterations only; and the share of
 * the run those iterations took, summed over the lcores (lcores that share a CPU
 * add up to that CPU): well below 100%, the lcores waited for packets and the
 * offered load, not zcfwd, set the rate.
 */
static void
busy_summary(const struct zcfwd *fwd, double seconds)
{
	static const char * const role[] = {
		[ZCFWD_FWD] = "forwarding", [ZCFWD_RX] = "receive", [ZCFWD_WORKER] = "worker",
	};
	struct zcfwd_counters t;
	uint64_t cycles = 0, fwded = 0;
	char parts[512];
	unsigned int l, i;
	int n = 0;

	parts[0] = '\0';
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		const struct zcfwd_lcore *lc = &fwd->lcore[l];

		if (lc->role == ZCFWD_IDLE || lc->busy_pkts == 0)
			continue;
		cycles += lc->busy_cycles;
		if ((size_t)n < sizeof(parts))
			n += snprintf(parts + n, sizeof(parts) - n, "%slcore %u %s %.0f", n ? ", " : "",
				      l, role[lc->role], (double)lc->busy_cycles / lc->busy_pkts);
	}
	for (i = 0; i < fwd->nb_ports; i++) {
		zcfwd_port_totals(fwd, fwd->ports[i], &t);
		fwded += t.tx;
	}
	if (fwded != 0)
		printf("busy cycles per forwarded packet: %.0f (TSC, %.2f GHz; %s)\n",
		       (double)cycles / fwded, rte_get_tsc_hz() / 1e9, parts);
	if (seconds > 0)
		printf("busy share of the run: %.1f%% (summed over the lcores)\n",
		       cycles * 100.0 / (seconds * rte_get_tsc_hz()));
}

void
zcfwd_summary(const struct zcfwd *fwd, double seconds)
{
	static const uint64_t zero[ZCFWD_DROP_MAX];
	struct zc_pool_stats ps;
	unsigned int i;

	printf("\nzcfwd: %s model, --return %s, %.1f s\n",
	       fwd->opt.model == ZCFWD_RTC ? "run-to-completion" : "pipeline",
	       fwd->opt.ret == ZCFWD_RETURN_FREE ? "free" : "refill", seconds);
	for (i = 0; i < fwd->nb_ports; i++) {
		uint16_t p = fwd->ports[i];
		char name[RTE_ETH_NAME_MAX_LEN] = "?", drops[256];
		struct zcfwd_lost lost = port_lost(p);
		struct zcfwd_counters t;

		zcfwd_port_totals(fwd, p, &t);
		rte_eth_dev_get_name_by_port(p, name);
		format_drops(drops, sizeof(drops), t.drop, zero);
		printf("port %u (%s): rx %" PRIu64 " (%.3f Mpps)  tx %" PRIu64 " (%.3f Mpps)\n"
		       "    drops: %s\n"
		       "    buffers returned by zcfwd: refill %" PRIu64 ", free %" PRIu64
		       " (refill ring full %" PRIu64 ")\n"
		       "    lost before zcfwd: %" PRIu64 " (missed %" PRIu64 ", errors %" PRIu64
		       ", no mbuf %" PRIu64 "); the port took %" PRIu64 "\n",
		       p, name, t.rx, t.rx / seconds / 1e6, t.tx, t.tx / seconds / 1e6, drops,
		       t.ret_refill, t.ret_free, t.refill_full,
		       lost.missed + lost.errors + lost.nombuf, lost.missed, lost.errors,
		       lost.nombuf, t.rx + lost.missed + lost.errors + lost.nombuf);
	}
	busy_summary(fwd, seconds);
	if (zc_pool_stats_get(fwd->pool, &ps) == 0)
		printf("pool %s: alloc fast %" PRIu64 " slow %" PRIu64 " refill %" PRIu64
		       ", recycle cached %" PRIu64 " ring %" PRIu64 "\n", fwd->pool->name,
		       ps.alloc_fast, ps.alloc_slow, ps.alloc_refill, ps.recycle_cached,
		       ps.recycle_ring);
}

int
zcfwd_audit(const struct zcfwd *fwd)
{
	struct zc_pool_census c;

	if (zc_pool_census_get(fwd->pool, &c) != 0) {
		printf("audit: pool %s: no census (not a zcpool pool)\n", fwd->pool->name);
		return -1;
	}
	if (c.available == c.size) {
		printf("audit: pool %s: all %u buffers are back\n", fwd->pool->name, c.size);
		return 0;
	}
	printf("audit: pool %s: %u of %u buffers back, %u MISSING: %u in a fill ring, %u received and not returned, %u being transmitted, %u held elsewhere (allocated by the application or another driver)\n",
	       fwd->pool->name, c.available, c.size, c.size - c.available, c.held_kernel,
	       c.held_user, c.held_tx, c.held_other);
	return -1;
}

/* Telemetry: /zcfwd/ports, and /zcfwd/stats,PORT with the summary's counters. */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define tel_dict_add_u64 rte_tel_data_add_dict_uint
#else
#define tel_dict_add_u64 rte_tel_data_add_dict_u64
#endif

static const struct zcfwd *tel_fwd;

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (i = 0; i < tel_fwd->nb_ports; i++)
		rte_tel_data_add_array_int(d, tel_fwd->ports[i]);
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct zcfwd_counters t;
	unsigned long port;
	unsigned int i;
	char *end;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0')
		return -EINVAL;
	port = strtoul(params, &end, 10);
	if (*end != '\0' || port >= ZCFWD_MAX_PORTS ||
	    !(tel_fwd->opt.portmask & (1u << port)))
		return -EINVAL;
	zcfwd_port_totals(tel_fwd, port, &t);
	rte_tel_data_start_dict(d);
	tel_dict_add_u64(d, "rx", t.rx);
	tel_dict_add_u64(d, "tx", t.tx);
	for (i = 0; i < ZCFWD_DROP_MAX; i++)
		tel_dict_add_u64(d, zcfwd_drop_names[i], t.drop[i]);
	tel_dict_add_u64(d, "returned_refill", t.ret_refill);
	tel_dict_add_u64(d, "returned_free", t.ret_free);
	tel_dict_add_u64(d, "refill_full", t.refill_full);
	return 0;
}

void
zcfwd_telemetry_register(const struct zcfwd *fwd)
{
	tel_fwd = fwd;
	rte_telemetry_register_cmd("/zcfwd/ports", tel_ports, "Ports zcfwd forwards on.");
	rte_telemetry_register_cmd("/zcfwd/stats", tel_stats,
				   "zcfwd's counters of a port. Parameters: int port_id");
}
