/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * Hostile refill soak: traffic flows into a net_zcrx port while the application
 * returns what it holds through the refill ring (or frees it, or sends it) and
 * mixes in entries that must all be refused: forged (any buffer start, random
 * token), stale and duplicated (entries posted before, replayed), misaligned,
 * out of range, of a foreign area, with a non-zero pad. The test knows every
 * buffer it holds: a buffer delivered while it still holds it (the PMD gave a
 * held buffer to the kernel) fails the test, and so does a lost buffer or a pool
 * count that is not exact at the end. Mbuf and completion receive; one lcore
 * (receive and return on one thread) and two (the receive lcore hands buffers
 * to the returning one through a ring, which also transmits some and gets them
 * back through zc_tx_done_set()). A last case corrupts the ring's indexes while
 * traffic flows and checks the PMD recovers without re-reading stale entries.
 *
 * Run by on_veth.sh, which sets ZC_VETH_GEN (a command that floods the
 * interface from the far namespace for the seconds appended to it).
 * ZC_SOAK_SECONDS (default 4) sets each case's traffic time, ZC_SOAK_SEED the seed.
 */

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <zc_pool.h>
#include <zc_rq.h>

#include "veth_test.h"

#define NB_MBUF 1024
/* Every buffer delivered four times over, in up to four rounds of traffic. */
#define SOAK_DELIVERIES (4 * NB_MBUF)
#define SOAK_ROUNDS 4
#define RQ_SIZE 256
#define BURST 32
#define HOLD_MAX 192           /* Buffers the test likes to keep at most. */
#define FIFO_SIZE (NB_MBUF * 2) /* Room for every slot: a burst may come on top. */
#define HISTORY 512            /* Entries remembered for replay. */

enum soak_mode { SOAK_MBUF, SOAK_CPL };

struct held {
	bool held;
	uint32_t token;            /* Of the delivery held. */
};

static struct soak {
	enum soak_mode mode;
	bool pipeline;
	uint16_t port;
	struct rte_mempool *mp;
	struct zc_rq *rq;
	struct zc_pool_geometry geo;
	struct rte_ring *handoff;  /* Receive lcore -> returning lcore (pipeline). */
	volatile bool stop_rx;
	uint64_t rng;

	struct held slot[NB_MBUF * 2];
	uint32_t fifo[FIFO_SIZE];  /* Held slots, oldest first. */
	unsigned int fifo_head, fifo_len;
	bool hostile_at[RQ_SIZE]; /* Ring slot -> whether the entry there must be refused. */
	struct zc_rq_entry history[HISTORY];
	unsigned int nb_history;

	uint64_t delivered, double_delivered, bad_token;
	uint64_t ret_refill, ret_free, ret_tx, hostile;
	unsigned int in_tx;        /* Sent in place, not handed back yet. */
} S;

static uint64_t
rnd(void)
{
	/* xorshift64*: cheap, reproducible from the seed. */
	S.rng ^= S.rng >> 12;
	S.rng ^= S.rng << 25;
	S.rng ^= S.rng >> 27;
	return S.rng * UINT64_C(2685821657736338717);
}

static uint64_t
refused(void)
{
	return veth_xstat(S.port, "rx_q0_rq_invalid") + veth_xstat(S.port, "rx_q0_rq_not_owned") +
	       veth_xstat(S.port, "rx_q0_rq_stale");
}

/* A buffer reaches the test: it must not be held already, and carry a new token. */
static void
deliver(uint32_t idx, uint32_t token)
{
	struct held *h = &S.slot[idx];

	S.delivered++;
	if (h->held) {
		S.double_delivered++;
		return;
	}
	if (token == 0 || token == h->token)
		S.bad_token++;
	h->held = true;
	h->token = token;
	S.fifo[(S.fifo_head + S.fifo_len++) % FIFO_SIZE] = idx;
}

static void
deliver_mbuf(struct rte_mbuf *m)
{
	struct zc_rq_entry e;

	if (zc_rq_mbuf_entry(S.rq, m, &e) != 0) {
		S.bad_token++;
		rte_pktmbuf_free(m);
		return;
	}
	deliver(zc_pool_mbuf_index(m), e.token);
}

static void
deliver_cpl(const struct zc_rx_cpl *c)
{
	deliver(zc_pool_area_off_index(S.mp, c->off), c->token);
}

/* Transmit completions come back as new deliveries. */
static void
tx_done(struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	uint16_t i;

	RTE_SET_USED(arg);
	for (i = 0; i < n; i++) {
		S.in_tx--;
		deliver_mbuf(pkts[i]);
	}
}

static struct zc_rq_entry
entry_of(uint32_t idx)
{
	return (struct zc_rq_entry){ .off = zc_pool_index_area_off(S.mp, idx),
				     .token = S.slot[idx].token };
}

static void
remember(const struct zc_rq_entry *e)
{
	S.history[S.nb_history++ % HISTORY] = *e;
}

/* n entries were posted at tail: remember which kind for the final count. */
static void
posted_at(uint32_t tail, unsigned int n, bool hostile)
{
	S.hostile += hostile ? n : 0;
	while (n-- > 0)
		S.hostile_at[tail++ & (RQ_SIZE - 1)] = hostile;
}

/* An entry written by hand (the ring's layout is the ABI), so that pad can be set. */
static bool
post_raw(const struct zc_rq_entry *e)
{
	uint32_t tail = S.rq->tail;

	if (zc_rq_free_count(S.rq) == 0)
		return false;
	S.rq->entries[tail & S.rq->mask] = *e;
	return zc_rq_publish(S.rq, tail, 1) == 1;
}

/* One entry the PMD must refuse. */
static void
post_hostile(void)
{
	uint32_t idx = rnd() % S.geo.nb_slots, tail;
	struct zc_rq_entry e = entry_of(idx);

	switch (rnd() % 8) {
	case 0: /* Forged: a buffer start with a random token, never the one held. */
		e.token = (uint32_t)rnd();
		if (S.slot[idx].held && e.token == S.slot[idx].token)
			e.token++;
		break;
	case 1: /* Forged with the old ABI's zero. */
		e.token = 0;
		break;
	case 2: /* Replayed: stale, or a duplicate of one not consumed yet. */
		if (S.nb_history == 0)
			return;
		e = S.history[rnd() % RTE_MIN(S.nb_history, (unsigned int)HISTORY)];
		break;
	case 3: /* Misaligned. */
		e.off += 1 + rnd() % (S.geo.stride - 1);
		break;
	case 4: /* Foreign area. */
		e.off ^= (1 + rnd() % 0xfffe) << 48;
		break;
	case 5: /* Past the pool. */
		e.off = zc_pool_index_area_off(S.mp, 0) + (uint64_t)S.geo.nb_slots * S.geo.stride +
			(rnd() % 64) * S.geo.stride;
		break;
	case 6: /* The token of a buffer held now, and a non-zero pad. */
		e.pad = 1 + (uint32_t)rnd() % 0xffff;
		break;
	default: /* Token in the bits a token never has. */
		e.token |= UINT32_C(1) << (30 + rnd() % 2);
		break;
	}
	tail = S.rq->tail;
	if (e.pad != 0 ? post_raw(&e) : zc_rq_post_bulk(S.rq, &e, 1) == 1)
		posted_at(tail, 1, true);
}

static uint32_t
fifo_pop(void)
{
	uint32_t idx = S.fifo[S.fifo_head];

	S.fifo_head = (S.fifo_head + 1) % FIFO_SIZE;
	S.fifo_len--;
	return idx;
}

/* Give back up to BURST of the oldest held buffers: mostly through the ring, some freed or sent. */
static void
give_back_burst(unsigned int n)
{
	struct rte_mbuf *tx[BURST];
	struct zc_rq_entry e[BURST];
	unsigned int k = 0, ntx = 0, i, posted;
	uint32_t tail;

	while (n-- > 0 && S.fifo_len > 0) {
		uint32_t idx = fifo_pop();
		struct rte_mbuf *m = zc_pool_index_mbuf(S.mp, idx);
		unsigned int how = rnd() % 16;

		S.slot[idx].held = false;
		if (how == 0) {
			rte_pktmbuf_free(m);
			S.ret_free++;
		} else if (how == 1 && S.mode == SOAK_MBUF && ntx < BURST) {
			tx[ntx++] = m;
		} else {
			e[k++] = entry_of(idx);
		}
	}
	tail = S.rq->tail;
	posted = zc_rq_post_bulk(S.rq, e, k);
	posted_at(tail, posted, false);
	for (i = 0; i < posted; i++)
		remember(&e[i]);
	/* Now and then the same entry twice in a row. */
	tail = S.rq->tail;
	if (posted != 0 && rnd() % 4 == 0 && zc_rq_post_bulk(S.rq, &e[0], 1) == 1)
		posted_at(tail, 1, true);
	S.ret_refill += posted;
	for (i = posted; i < k; i++) /* Ring full: free instead, never lose one. */
		rte_pktmbuf_free(zc_pool_index_mbuf(S.mp, zc_pool_area_off_index(S.mp, e[i].off)));
	S.ret_free += k - posted;
	if (ntx != 0) {
		i = rte_eth_tx_burst(S.port, 0, tx, ntx);
		S.in_tx += i;
		S.ret_tx += i;
		rte_pktmbuf_free_bulk(&tx[i], ntx - i);
		S.ret_free += ntx - i;
	}
}

static void
give_back(unsigned int n)
{
	unsigned int k;

	for (; n > 0 && S.fifo_len > 0; n -= k) {
		k = RTE_MIN(n, (unsigned int)BURST);
		give_back_burst(k);
	}
}

/* Receive a burst on this thread, or take what the receive lcore handed over. */
static unsigned int
take(void)
{
	struct rte_mbuf *m[BURST];
	struct zc_rx_cpl c[BURST];
	unsigned int n, i;

	if (S.mode == SOAK_MBUF) {
		n = S.pipeline ? rte_ring_dequeue_burst(S.handoff, (void **)m, BURST, NULL) :
				 rte_eth_rx_burst(S.port, 0, m, BURST);
		for (i = 0; i < n; i++)
			deliver_mbuf(m[i]);
	} else {
		n = S.pipeline ? rte_ring_dequeue_burst_elem(S.handoff, c, sizeof(c[0]), BURST, NULL) :
				 zc_rx_burst_cpl(S.port, 0, c, BURST);
		for (i = 0; i < n; i++)
			deliver_cpl(&c[i]);
	}
	return n;
}

/* Pipeline: the receive lcore hands everything it receives to the main one. */
static int
rx_lcore(void *arg)
{
	struct rte_mbuf *m[BURST];
	struct zc_rx_cpl c[BURST];
	unsigned int n, k;

	RTE_SET_USED(arg);
	while (!S.stop_rx) {
		if (S.mode == SOAK_MBUF) {
			n = rte_eth_rx_burst(S.port, 0, m, BURST);
			for (k = 0; k < n;)
				k += rte_ring_enqueue_burst(S.handoff, (void **)&m[k], n - k, NULL);
		} else {
			n = zc_rx_burst_cpl(S.port, 0, c, BURST);
			for (k = 0; k < n;)
				k += rte_ring_enqueue_burst_elem(S.handoff, &c[k], sizeof(c[0]),
								 n - k, NULL);
		}
	}
	return 0;
}

/* One loop step: take, hold, give back, mix in hostile entries. */
static void
step(void)
{
	unsigned int i;

	take();
	if (S.fifo_len > HOLD_MAX - BURST || rnd() % 2 == 0)
		give_back(1 + rnd() % BURST);
	for (i = rnd() % 4; i > 0; i--)
		post_hostile();
	/* Reap transmit completions (handed back through tx_done). */
	if (S.in_tx != 0)
		rte_eth_tx_burst(S.port, 0, NULL, 0);
}

static int
soak_up(const char *name)
{
	const char *env = getenv("ZC_SOAK_SEED");

	memset(&S.slot, 0, sizeof(S.slot));
	S.fifo_head = S.fifo_len = S.nb_history = 0;
	S.delivered = S.double_delivered = S.bad_token = 0;
	S.ret_refill = S.ret_free = S.ret_tx = S.hostile = 0;
	S.in_tx = 0;
	S.rng = env != NULL ? strtoull(env, NULL, 0) : rte_rdtsc();
	S.rng |= 1;
	printf("  %s: seed %#" PRIx64 "\n", name, S.rng);
	ZC_ASSERT(veth_port_up(name, NB_MBUF, &S.port, &S.mp, &S.rq, "iface=%s,rq_entries=%u",
			       iface, RQ_SIZE) == 0, "port");
	ZC_ASSERT(zc_pool_geometry_get(S.mp, &S.geo) == 0 && S.geo.nb_slots <= RTE_DIM(S.slot),
		  "geometry");
	ZC_ASSERT(zc_tx_done_set(S.port, 0, tx_done, NULL) == 0, "tx done");
	if (S.pipeline) {
		S.handoff = rte_ring_create_elem("soak_handoff", S.mode == SOAK_MBUF ?
						 sizeof(void *) : sizeof(struct zc_rx_cpl),
						 NB_MBUF * 2, SOCKET_ID_ANY,
						 RING_F_SP_ENQ | RING_F_SC_DEQ);
		ZC_ASSERT(S.handoff != NULL, "handoff ring");
		S.stop_rx = false;
		ZC_ASSERT(rte_eal_remote_launch(rx_lcore, NULL, rte_get_next_lcore(-1, 1, 0)) == 0,
			  "launch the receive lcore");
	}
	return 0;
}

static const char *
gen_cmd(unsigned int seconds)
{
	static char cmd[512];
	const char *gen = getenv("ZC_VETH_GEN");

	if (gen == NULL)
		return NULL;
	snprintf(cmd, sizeof(cmd), "(%s %u >/dev/null 2>&1 &)", gen, seconds);
	return cmd;
}

/* The generator must not inherit our sockets: a child holding one keeps the queue bound. */
static void
cloexec_all(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fd;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if ((fd = atoi(e->d_name)) > 2 && fd != dirfd(d))
			fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	closedir(d);
}

/*
 * Traffic for the case's time, stepping; then until no frame arrives and nothing
 * is being sent for 300 ms (5 s at most). On a loaded machine the generator may
 * start late or crawl: further rounds (SOAK_ROUNDS in all) run until every
 * buffer has been delivered several times, the premise of the soak.
 */
static int
soak_run(unsigned int seconds, void (*each)(uint64_t now, uint64_t end))
{
	uint64_t hz = rte_get_timer_hz(), end, quiet, limit;
	unsigned int round;

	cloexec_all();
	for (round = 0; round == 0 || (S.delivered <= SOAK_DELIVERIES && round < SOAK_ROUNDS);
	     round++) {
		ZC_ASSERT(system(gen_cmd(seconds)) == 0, "start the generator");
		end = rte_get_timer_cycles() + seconds * hz;
		while (rte_get_timer_cycles() < end) {
			step();
			if (each != NULL)
				each(rte_get_timer_cycles(), end);
		}
	}
	limit = rte_get_timer_cycles() + 5 * hz;
	for (quiet = rte_get_timer_cycles() + hz * 3 / 10;
	     rte_get_timer_cycles() < RTE_MIN(quiet, limit);)
		if (take() != 0 || S.in_tx != 0) {
			quiet = rte_get_timer_cycles() + hz * 3 / 10;
			give_back(HOLD_MAX);
			rte_eth_tx_burst(S.port, 0, NULL, 0);
		}
	return 0;
}

/* Every held buffer freed, the port gone: the pool must be whole and exact. */
static int
soak_down(const char *name, bool exact_refusals)
{
	uint32_t pending_hostile = 0, i;
	struct zc_pool_census c;
	uint64_t hostile_refused;

	if (S.pipeline) {
		S.stop_rx = true;
		rte_eal_mp_wait_lcore();
		while (take() != 0)
			;
	}
	while (S.fifo_len > 0) {
		uint32_t idx = fifo_pop();

		S.slot[idx].held = false;
		rte_pktmbuf_free(zc_pool_index_mbuf(S.mp, idx));
	}
	/* Every hostile entry the PMD read was refused; the rest wait in the ring. */
	for (i = S.rq->head; i != S.rq->tail; i++)
		pending_hostile += S.hostile_at[i & (RQ_SIZE - 1)];
	hostile_refused = refused();
	ZC_ASSERT(rte_eth_dev_stop(S.port) == 0, "stop");
	printf("  delivered %" PRIu64 ", returned: refill %" PRIu64 " free %" PRIu64 " tx %"
	       PRIu64 "; hostile entries %" PRIu64 ", refused %" PRIu64
	       " (invalid %" PRIu64 " not owned %" PRIu64 " stale %" PRIu64 ")\n",
	       S.delivered, S.ret_refill, S.ret_free, S.ret_tx, S.hostile, hostile_refused,
	       veth_xstat(S.port, "rx_q0_rq_invalid"), veth_xstat(S.port, "rx_q0_rq_not_owned"),
	       veth_xstat(S.port, "rx_q0_rq_stale"));
	ZC_ASSERT(rte_eth_dev_close(S.port) == 0, "close");
	ZC_ASSERT(rte_vdev_uninit(name) == 0, "detach");
	if (S.pipeline)
		rte_ring_free(S.handoff);
	ZC_ASSERT(S.double_delivered == 0, "%" PRIu64 " buffers delivered while held",
		  S.double_delivered);
	ZC_ASSERT(S.bad_token == 0, "%" PRIu64 " deliveries without a new token", S.bad_token);
	ZC_ASSERT(S.in_tx == 0, "%u sent buffers never handed back", S.in_tx);
	ZC_ASSERT(S.delivered > SOAK_DELIVERIES,
		  "only %" PRIu64 " deliveries in %u rounds: too little traffic", S.delivered,
		  SOAK_ROUNDS);
	ZC_ASSERT(S.hostile > 500, "only %" PRIu64 " hostile entries", S.hostile);
	ZC_ASSERT(zc_pool_census_get(S.mp, &c) == 0, "census");
	ZC_ASSERT(c.available == NB_MBUF && c.held_kernel == 0 && c.held_user == 0 &&
		  c.held_tx == 0, "after close: available %u of %u, kernel %u user %u tx %u",
		  c.available, NB_MBUF, c.held_kernel, c.held_user, c.held_tx);
	if (exact_refusals)
		ZC_ASSERT(hostile_refused + pending_hostile == S.hostile,
			  "hostile entries %" PRIu64 ": refused %" PRIu64 ", %u pending", S.hostile,
			  hostile_refused, pending_hostile);
	zc_rq_put(S.rq);
	ZC_ASSERT(zc_pool_destroy(S.mp, 0) == 0, "destroy deferred: buffers missing");
	return 0;
}

static unsigned int
soak_seconds(void)
{
	const char *env = getenv("ZC_SOAK_SECONDS");

	return env != NULL ? (unsigned int)atoi(env) : 4;
}

static int
soak(enum soak_mode mode, bool pipeline, const char *name)
{
	if (gen_cmd(0) == NULL) {
		printf("SKIP: ZC_VETH_GEN not set (run through on_veth.sh)\n");
		return 77;
	}
	if (pipeline && rte_lcore_count() < 2) {
		printf("SKIP: the pipeline needs two lcores\n");
		return 77;
	}
	S.mode = mode;
	S.pipeline = pipeline;
	ZC_ASSERT(soak_up(name) == 0, "up");
	ZC_ASSERT(soak_run(soak_seconds(), NULL) == 0, "run");
	return soak_down(name, true);
}

static int
test_soak_mbuf(void)
{
	return soak(SOAK_MBUF, false, "net_zcrx_sm");
}

static int
test_soak_cpl(void)
{
	return soak(SOAK_CPL, false, "net_zcrx_sc");
}

static int
test_soak_mbuf_pipeline(void)
{
	return soak(SOAK_MBUF, true, "net_zcrx_pm");
}

static int
test_soak_cpl_pipeline(void)
{
	return soak(SOAK_CPL, true, "net_zcrx_pc");
}

/*
 * Corrupt the indexes once per quarter of the run: a tail far ahead, a tail
 * behind the head, a tail two ring sizes ahead. The free count must never pass
 * the ring size, and valid returns must be used again after each recovery.
 */
static unsigned int corruptions;
static uint64_t refill_at_corruption;
static bool refill_resumed = true, free_count_ok = true;

static void
corrupt(uint64_t now, uint64_t end)
{
	static const uint32_t ahead[] = { 1000000000u, UINT32_MAX, 2 * RQ_SIZE };
	uint64_t left = (end - now) * 4 / ((uint64_t)soak_seconds() * rte_get_timer_hz());

	if (zc_rq_free_count(S.rq) > S.rq->size)
		free_count_ok = false;
	if (veth_xstat(S.port, "rx_q0_rq_refill") > refill_at_corruption)
		refill_resumed = true;
	if (corruptions < RTE_DIM(ahead) && left < RTE_DIM(ahead) - corruptions && refill_resumed) {
		S.rq->tail = S.rq->head + ahead[corruptions++];
		refill_at_corruption = veth_xstat(S.port, "rx_q0_rq_refill");
		refill_resumed = false;
	}
}

static int
test_corrupt_tail(void)
{
	if (gen_cmd(0) == NULL) {
		printf("SKIP: ZC_VETH_GEN not set (run through on_veth.sh)\n");
		return 77;
	}
	S.mode = SOAK_MBUF;
	S.pipeline = false;
	corruptions = 0;
	ZC_ASSERT(soak_up("net_zcrx_ct") == 0, "up");
	ZC_ASSERT(soak_run(soak_seconds(), corrupt) == 0, "run");
	ZC_ASSERT(corruptions == 3, "corrupted %u times", corruptions);
	ZC_ASSERT(veth_xstat(S.port, "rx_q0_rq_corrupt") == corruptions,
		  "rq_corrupt %" PRIu64 " for %u", veth_xstat(S.port, "rx_q0_rq_corrupt"),
		  corruptions);
	ZC_ASSERT(free_count_ok, "zc_rq_free_count() passed the ring size");
	ZC_ASSERT(refill_resumed, "valid returns were not used after a recovery");
	/* A recovery reads every slot once more: refusals then exceed the hostile count. */
	return soak_down("net_zcrx_ct", false);
}

ZC_VETH_TEST_MAIN(
	{ "hostile soak, mbufs, one lcore", test_soak_mbuf },
	{ "hostile soak, completions, one lcore", test_soak_cpl },
	{ "hostile soak, mbufs, two lcores", test_soak_mbuf_pipeline },
	{ "hostile soak, completions, two lcores", test_soak_cpl_pipeline },
	{ "corrupted ring indexes", test_corrupt_tail }
)
