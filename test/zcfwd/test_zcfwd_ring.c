/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * The whole forwarder over net_ring ports (no root): every packet sent comes out
 * on the right port or is counted as the right drop, and the teardown finds every
 * buffer back.
 */

#include "zcfwd_test.h"

/* ---- End to end over net_ring ---- */

#define E2E_PORTS 3
#define E2E_TXQ 2       /* rtc: two forwarding lcores, a transmit queue each */
#define E2E_PKTS 600
#define E2E_RING 1024

/* What the forwarder is sent: out is an index into e2e.port[], or a drop. */
static const struct {
	const char *dst;
	uint8_t ttl;
	int out;
} e2e_tpl[] = {
	{ "10.9.0.1", 64, 0 },
	{ "10.1.9.1", 64, 1 },
	{ "10.1.2.1", 2, 2 },
	{ "2001:db8:5::1", 64, 1 },
	{ "2001:db8:1::9", 2, 2 },
	{ "10.1.2.3", 1, DROP(ZCFWD_DROP_TTL) },
	{ "2001:db8::1", 1, DROP(ZCFWD_DROP_TTL) },
	{ "192.168.0.1", 64, DROP(ZCFWD_DROP_NO_ROUTE) },
	{ "2001:db9::1", 64, DROP(ZCFWD_DROP_NO_ROUTE) },
	{ NULL, 0, DROP(ZCFWD_DROP_NOT_IP) },
};

struct ring_port {
	char name[24];
	uint16_t id;
	bool created;
	struct rte_ring *rx;
	struct rte_ring *tx[E2E_TXQ];
};

static struct {
	struct zcfwd fwd;
	struct ring_port port[E2E_PORTS];
	uint8_t sent[E2E_PKTS][FRAME_MAX];
	uint16_t sent_len[E2E_PKTS];
	struct rte_mbuf *out[E2E_PKTS];    /* Dequeued from the transmit rings. */
	unsigned int nb_out;
	bool seen[E2E_PKTS];               /* Among them. */
} e2e;

static struct rte_ring *
ring_new(const char *what, const char *port, unsigned int q)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%s%u_%s", what, q, port);
	return rte_ring_create(name, E2E_RING, rte_socket_id(), 0);
}

static int
ring_port_create(struct ring_port *rp, unsigned int serial, unsigned int i)
{
	unsigned int q;
	int id;

	snprintf(rp->name, sizeof(rp->name), "zt%u_%u", serial, i);
	rp->rx = ring_new("rx", rp->name, 0);
	ZC_ASSERT(rp->rx != NULL, "rings of %s: %s", rp->name, rte_strerror(rte_errno));
	for (q = 0; q < E2E_TXQ; q++) {
		rp->tx[q] = ring_new("tx", rp->name, q);
		ZC_ASSERT(rp->tx[q] != NULL, "rings of %s: %s", rp->name, rte_strerror(rte_errno));
	}
	id = rte_eth_from_rings(rp->name, &rp->rx, 1, rp->tx, E2E_TXQ, rte_socket_id());
	ZC_ASSERT(id >= 0, "rte_eth_from_rings(%s): %s", rp->name, rte_strerror(rte_errno));
	rp->id = id;
	rp->created = true;
	/* net_ring ports all have MAC 0 and cannot change it: make each one distinct. */
	rte_eth_devices[id].data->mac_addrs[0] = PORT_MAC(id);
	return 0;
}

static void
ring_drain(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

/* Whatever is still in the rings goes back to its pool, before the audit. */
static void
ring_port_drain(struct ring_port *rp)
{
	unsigned int q;

	ring_drain(rp->rx);
	for (q = 0; q < E2E_TXQ; q++)
		ring_drain(rp->tx[q]);
}

/* After the teardown: the vdev (its port is closed by then) and the rings. */
static void
ring_port_free(struct ring_port *rp)
{
	char dev[RTE_DEV_NAME_MAX_LEN];
	unsigned int q;

	if (rp->created) {
		snprintf(dev, sizeof(dev), "net_ring_%s", rp->name);
		rte_vdev_uninit(dev);
	}
	rte_ring_free(rp->rx);
	for (q = 0; q < E2E_TXQ; q++)
		rte_ring_free(rp->tx[q]);
}


/* Packets counted as transmitted or dropped, on every port. */
static uint64_t
accounted(const struct zcfwd *fwd)
{
	struct zcfwd_counters t;
	unsigned int s, d;
	uint64_t n = 0;

	for (s = 0; s <= ZCFWD_MAX_PORTS; s++) {
		zcfwd_port_totals(fwd, s, &t);
		n += t.tx;
		for (d = 0; d < ZCFWD_DROP_MAX; d++)
			n += t.drop[d];
	}
	return n;
}

/* Stops the forwarder once every packet sent is accounted for, or after 10 s. */
static void *
watch(void *arg)
{
	struct zcfwd *fwd = arg;
	uint64_t end = rte_get_timer_cycles() + 10 * rte_get_timer_hz();

	while (accounted(fwd) < E2E_PKTS && rte_get_timer_cycles() < end)
		rte_delay_us_sleep(1000);
	fwd->quit = true;
	return NULL;
}

static int
check_totals(const struct zcfwd *fwd, unsigned int slot, const struct zcfwd_counters *want)
{
	struct zcfwd_counters got;
	unsigned int d;

	zcfwd_port_totals(fwd, slot, &got);
	ZC_ASSERT(got.rx == want->rx && got.tx == want->tx,
		  "port %u: rx %" PRIu64 " tx %" PRIu64 ", expected %" PRIu64 " and %" PRIu64, slot,
		  got.rx, got.tx, want->rx, want->tx);
	for (d = 0; d < ZCFWD_DROP_MAX; d++)
		ZC_ASSERT(got.drop[d] == want->drop[d],
			  "port %u: %s %" PRIu64 ", expected %" PRIu64, slot, zcfwd_drop_names[d],
			  got.drop[d], want->drop[d]);
	ZC_ASSERT(got.ret_free == want->ret_free && got.ret_refill == 0,
		  "port %u: freed %" PRIu64 " (expected %" PRIu64 "), refilled %" PRIu64, slot,
		  got.ret_free, want->ret_free, got.ret_refill);
	return 0;
}

/* A route file for the ring ports, the e2e_tpl[] way. */
static int
e2e_routes(char *path)
{
	const struct ring_port *p = e2e.port;
	char text[256];

	snprintf(text, sizeof(text),
		 "10.0.0.0/8 %u\n10.1.0.0/16 %u\n10.1.2.0/24 %u\n"
		 "2001:db8::/32 %u\n2001:db8:1::/48 %u\n",
		 p[0].id, p[1].id, p[2].id, p[1].id, p[2].id);
	return write_file(path, text);
}

/*
 * rtc: port 0 on the main lcore, ports 1 and 2 on the next one (two transmit
 * queues per port); pipeline: every port received on the main lcore and routed
 * on the next one.
 */
static void
e2e_options(struct zcfwd_options *o, enum zcfwd_model model, const char *routes)
{
	unsigned int main_lc = rte_get_main_lcore(), next = rte_get_next_lcore(main_lc, 1, 0);
	unsigned int i;

	o->model = model;
	o->routes = routes;
	for (i = 0; i < E2E_PORTS; i++) {
		uint16_t p = e2e.port[i].id;

		o->portmask |= 1u << p;
		o->eth_dest[p] = NH(p);
		o->config[i] = (struct zcfwd_config_entry){ p, 0,
			model == ZCFWD_RTC && i != 0 ? next : main_lc };
	}
	o->nb_config = E2E_PORTS;
	if (model == ZCFWD_PIPELINE) {
		o->workers[0] = next;
		o->nb_workers = 1;
	}
}

/* Every packet into the receive ring of a port, and what that must count. */
static int
e2e_inject(struct zcfwd_counters *want)
{
	unsigned int i;

	for (i = 0; i < E2E_PKTS; i++) {
		unsigned int in = i % E2E_PORTS, k = i % RTE_DIM(e2e_tpl);
		struct rte_mbuf *m = build(e2e.fwd.pool, e2e_tpl[k].dst, e2e_tpl[k].ttl, 5, i);
		int out = e2e_tpl[k].out;

		ZC_ASSERT(m != NULL, "cannot build packet %u from zcfwd_pool", i);
		m->port = e2e.port[in].id;   /* As a receiving PMD would. */
		memcpy(e2e.sent[i], rte_pktmbuf_mtod(m, void *), m->data_len);
		e2e.sent_len[i] = m->data_len;
		if (rte_ring_enqueue(e2e.port[in].rx, m) != 0) {
			rte_pktmbuf_free(m);
			ZC_ASSERT(false, "receive ring of port %u full", e2e.port[in].id);
		}
		want[in].rx++;
		if (out >= 0) {
			want[out].tx++;
		} else {
			want[in].drop[-1 - out]++;
			want[in].ret_free++;
		}
	}
	return 0;
}

/* What came out of port index idx: each packet once, where its route says, rewritten. */
static int
e2e_collect(unsigned int idx)
{
	const struct ring_port *rp = &e2e.port[idx];
	unsigned int q, n, k;
	uint32_t id;

	for (q = 0; q < E2E_TXQ; q++) {
		n = rte_ring_dequeue_burst(rp->tx[q], (void **)&e2e.out[e2e.nb_out],
					   E2E_PKTS - e2e.nb_out, NULL);
		e2e.nb_out += n;
		for (k = e2e.nb_out - n; k < e2e.nb_out; k++) {
			const struct rte_mbuf *m = e2e.out[k];

			/* The id leads the payload, which ends the frame. */
			memcpy(&id, rte_pktmbuf_mtod_offset(m, void *, m->data_len - PAYLOAD_LEN),
			       sizeof(id));
			ZC_ASSERT(id < E2E_PKTS && !e2e.seen[id], "port %u sent packet %u (again?)",
				  rp->id, id);
			e2e.seen[id] = true;
			ZC_ASSERT(e2e_tpl[id % RTE_DIM(e2e_tpl)].out == (int)idx,
				  "packet %u to %s went out on port %u", id,
				  e2e_tpl[id % RTE_DIM(e2e_tpl)].dst, rp->id);
			ZC_ASSERT(m->data_len == e2e.sent_len[id], "packet %u: %u bytes, sent %u",
				  id, m->data_len, e2e.sent_len[id]);
			ZC_ASSERT(check_forwarded(e2e.sent[id], m, rp->id) == 0, "packet %u", id);
		}
		ZC_ASSERT(rte_ring_count(rp->tx[q]) == 0, "port %u queue %u: more than was sent",
			  rp->id, q);
	}
	return 0;
}

static int
e2e_forward(enum zcfwd_model model)
{
	struct zcfwd_counters want[E2E_PORTS], none;
	char routes[sizeof(TMP_TEMPLATE)];
	uint64_t forwarded = 0;
	pthread_t watcher;
	unsigned int i;
	int ret;

	memset(want, 0, sizeof(want));
	memset(&none, 0, sizeof(none));
	ZC_ASSERT(e2e_routes(routes) == 0, "cannot write the route file");
	e2e_options(&e2e.fwd.opt, model, routes);
	ret = zcfwd_setup(&e2e.fwd);
	unlink(routes);
	ZC_ASSERT(ret == 0, "zcfwd_setup failed (see above)");
	if (e2e_inject(want) != 0)
		return -1;
	ZC_ASSERT(pthread_create(&watcher, NULL, watch, &e2e.fwd) == 0, "watcher thread");
	rte_eal_mp_remote_launch(zcfwd_lcore_main, &e2e.fwd, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	pthread_join(watcher, NULL);
	for (i = 0; i < E2E_PORTS; i++) {
		ZC_ASSERT(rte_ring_count(e2e.port[i].rx) == 0, "port %u: %u packets not received",
			  e2e.port[i].id, rte_ring_count(e2e.port[i].rx));
		if (check_totals(&e2e.fwd, e2e.port[i].id, &want[i]) != 0)
			return -1;
		forwarded += want[i].tx;
	}
	if (check_totals(&e2e.fwd, ZCFWD_MAX_PORTS, &none) != 0)
		return -1;
	for (i = 0; i < E2E_PORTS; i++)
		if (e2e_collect(i) != 0)
			return -1;
	ZC_ASSERT(e2e.nb_out == forwarded, "%u packets sent out, expected %" PRIu64, e2e.nb_out,
		  forwarded);
	return 0;
}

/* --return refill needs net_zcrx refill rings: net_ring ports are refused, in one line. */
static int
e2e_refill_refused(enum zcfwd_model model)
{
	char routes[sizeof(TMP_TEMPLATE)], err[2048];
	struct capture cap;
	int ret;

	ZC_ASSERT(e2e_routes(routes) == 0, "cannot write the route file");
	e2e_options(&e2e.fwd.opt, model, routes);
	e2e.fwd.opt.ret = ZCFWD_RETURN_REFILL;
	ZC_ASSERT(capture_begin(&cap) == 0, "cannot capture stderr");
	ret = zcfwd_setup(&e2e.fwd);
	capture_end(&cap, err, sizeof(err));
	unlink(routes);
	ZC_ASSERT(ret != 0, "--return refill accepted over net_ring");
	return one_error_line(err, "--return refill", "not a net_zcrx port; use --return free");
}

/*
 * Fresh ring ports, body, then the teardown: it must find every buffer back and
 * leave no pool, table, ring or port behind for the next case.
 */
static int
e2e_case(int (*body)(enum zcfwd_model), enum zcfwd_model model)
{
	static unsigned int serial;
	char name[RTE_RING_NAMESIZE];
	bool closed = true;
	unsigned int i;
	int ret = 0, audit;

	if (rte_lcore_count() < 2) {
		printf("SKIP: needs two lcores (-l 0,1)\n");
		return ZC_TEST_SKIP;
	}
	memset(&e2e, 0, sizeof(e2e));
	serial++;
	for (i = 0; i < E2E_PORTS && ret == 0; i++)
		ret = ring_port_create(&e2e.port[i], serial, i);
	if (ret == 0)
		ret = body(model);
	rte_pktmbuf_free_bulk(e2e.out, e2e.nb_out);
	for (i = 0; i < E2E_PORTS; i++)
		ring_port_drain(&e2e.port[i]);
	audit = zcfwd_teardown(&e2e.fwd);
	for (i = 0; i < E2E_PORTS; i++) {
		closed &= !e2e.port[i].created || !rte_eth_dev_is_valid_port(e2e.port[i].id);
		ring_port_free(&e2e.port[i]);
	}
	if (ret != 0)
		return ret;
	ZC_ASSERT(audit == 0, "zcfwd_teardown: buffers missing (audit above)");
	ZC_ASSERT(closed, "zcfwd_teardown left a port open");
	ZC_ASSERT(rte_mempool_lookup("zcfwd_pool") == NULL && zc_pool_pending_destroys() == 0,
		  "pool zcfwd_pool left behind");
	ZC_ASSERT(rte_lpm_find_existing("zcfwd_lpm4") == NULL &&
		  rte_lpm6_find_existing("zcfwd_lpm6") == NULL, "LPM tables left behind");
	for (i = 0; i < E2E_PORTS; i++) {
		snprintf(name, sizeof(name), "zcfwd_p%u_q0", e2e.port[i].id);
		ZC_ASSERT(rte_ring_lookup(name) == NULL, "ring %s left behind", name);
	}
	return 0;
}

static int
test_e2e_rtc(void)
{
	return e2e_case(e2e_forward, ZCFWD_RTC);
}

static int
test_e2e_pipeline(void)
{
	return e2e_case(e2e_forward, ZCFWD_PIPELINE);
}

static int
test_refill_refused(void)
{
	return e2e_case(e2e_refill_refused, ZCFWD_PIPELINE);
}

ZC_TEST_MAIN(
	{ "end to end, run to completion, over net_ring", test_e2e_rtc },
	{ "end to end, pipeline, over net_ring", test_e2e_pipeline },
	{ "--return refill refused over net_ring, nothing left", test_refill_refused },
)
