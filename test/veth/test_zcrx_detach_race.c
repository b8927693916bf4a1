/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * A refill post racing the queue's teardown (issue 8). A post that has passed
 * its detached check and publishes after the drain zcrx_rq_detach() runs at
 * close must either withdraw its entries (returns 0: the buffers are still the
 * caller's) or report them taken (the drain gave them to the pool); later posts
 * fail with -EPIPE, and once the application freed what it holds every buffer
 * is back and zc_pool_destroy() frees the pool at once, not deferred.
 *
 * The interleaving is forced: the post's input (the entry array of
 * zc_rq_post_bulk(), the mbuf array of zc_rq_post_mbufs()) lies on a page with
 * no access, so its first read, after the detached check and before the
 * publication, faults. The SIGSEGV handler tells the main thread, which closes
 * the port, then makes the page readable and returns: the post resumes and
 * publishes after the drain. A last case races them freely, many times.
 * Run by on_veth.sh:
 *   test_zcrx_detach_race --no-huge|--huge [EAL args] -- IFACE "SEND COMMAND"
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include <zc_pool.h>
#include <zc_rq.h>

#include "veth_test.h"

#define NB_MBUF 2048
#define RQ_SIZE 256
#define BATCH 64
#define RACE_N (BATCH - 1u) /* Posted by the racing thread; the last is kept for -EPIPE. */
#define WAIT_S 10           /* Longest either thread waits for the other. */
#define RUNS 20
#define RUN_BULK 4u

static uint16_t port;
static struct rte_mempool *mp;
static struct zc_rq *rq;

/* A started port named name on the interface, its pool (same name), its refill ring. */
static int
port_up(const char *name)
{
	return veth_port_up(name, NB_MBUF, &port, &mp, &rq, "iface=%s,rq_entries=%u", iface,
			    RQ_SIZE);
}

/*
 * A thread on the worker lcore's CPU (its EAL thread only waits), so that it
 * really runs alongside the main thread.
 */
static int
thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	unsigned int lc = rte_get_next_lcore(-1, 1, 0);
	pthread_attr_t attr;
	rte_cpuset_t cpus;
	int ret;

	pthread_attr_init(&attr);
	if (lc < RTE_MAX_LCORE) {
		cpus = rte_lcore_cpuset(lc);
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	}
	ret = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return ret;
}

static void
thread_join(pthread_t t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2 * WAIT_S;
	if (pthread_timedjoin_np(t, NULL, &ts) != 0) {
		/* It may still touch this test's ring and buffers: no way to go on. */
		printf("FAIL: the posting thread is stuck\n");
		fflush(stdout);
		_exit(1);
	}
}

/*
 * After a post of held[0..RACE_N) raced the close and posted those at the front
 * of held[] (posted of them): the rest, and held[RACE_N], are still ours. Checks
 * that posts now fail with -EPIPE and that, once we freed ours, every buffer is
 * back and the pool goes at once.
 */
static int
race_end(struct rte_mbuf **held, unsigned int posted)
{
	struct rte_mbuf *spare = held[RACE_N];
	struct zc_pool_census c = { 0 };
	struct zc_rq_entry e;
	unsigned int avail;
	int destroyed, cs;

	ZC_ASSERT(posted <= RACE_N, "posted %u of %u", posted, RACE_N);
	/* A buffer we hold, with its current token, is refused by every post. */
	ZC_ASSERT(zc_rq_mbuf_entry(rq, spare, &e) == 0, "entry of a held mbuf");
	ZC_ASSERT(zc_rq_post(rq, e.off, e.token) == -EPIPE, "post after close");
	ZC_ASSERT(zc_rq_post_mbuf(rq, spare) == -EPIPE, "post_mbuf after close");
	ZC_ASSERT(zc_rq_post_bulk(rq, &e, 1) == 0, "post_bulk after close");
	ZC_ASSERT(zc_rq_post_mbufs(rq, &spare, 1) == 0, "post_mbufs after close");
	rte_pktmbuf_free_bulk(&held[posted], BATCH - posted);

	avail = rte_mempool_avail_count(mp);
	cs = zc_pool_census_get(mp, &c);
	destroyed = zc_pool_destroy(mp, 0);
	zc_rq_put(rq);
	ZC_ASSERT(avail == NB_MBUF && destroyed == 0,
		  "post returned %u: pool count %u of %u, destroy %d (%s), census: available %u kernel %u user %u tx %u other %u",
		  posted, avail, NB_MBUF, destroyed, destroyed > 0 ? "deferred" : "done",
		  c.available, c.held_kernel, c.held_user, c.held_tx, c.held_other);
	ZC_ASSERT(cs == 0 && c.size == NB_MBUF && c.available == NB_MBUF && c.held_kernel == 0 &&
		  c.held_user == 0 && c.held_tx == 0 && c.held_other == 0,
		  "census %d: available %u kernel %u user %u tx %u other %u", cs, c.available,
		  c.held_kernel, c.held_user, c.held_tx, c.held_other);
	return 0;
}

/* Forced interleaving: the post's input lies on a guard page. */
enum { ST_IDLE, ST_IN_POST, ST_CLOSED };

static char *guard;          /* The page. */
static size_t guard_len;
static uint32_t stage;       /* ST_*: IN_POST set by the handler, CLOSED by the main thread. */
static uint32_t faults;      /* Faults on the page. */
static uint32_t stranded;    /* The handler gave up waiting for the close. */

static bool
before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Runs in the posting thread, inside the post: only async-signal-safe calls. */
static void
guard_fault(int sig, siginfo_t *si, void *uc)
{
	const char *a = si->si_addr, *g = __atomic_load_n(&guard, __ATOMIC_ACQUIRE);
	const struct timespec nap = { .tv_nsec = 10 * 1000 };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct timespec now, end;

	RTE_SET_USED(uc);
	if (si->si_code <= 0 || g == NULL || a < g || a >= g + guard_len) {
		/* Not ours: die of it as without this handler. */
		sigaction(SIGSEGV, &dfl, NULL);
		raise(sig);
		return;
	}
	__atomic_fetch_add(&faults, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&stage, ST_IN_POST, __ATOMIC_RELEASE);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += WAIT_S;
	while (__atomic_load_n(&stage, __ATOMIC_ACQUIRE) != ST_CLOSED) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!before(&now, &end)) {
			__atomic_store_n(&stranded, 1, __ATOMIC_RELAXED);
			break;
		}
		nanosleep(&nap, NULL);
	}
	/* The faulting read is retried on return, and now succeeds. */
	mprotect(guard, guard_len, PROT_READ);
}

struct guarded_post {
	bool mbufs;         /* zc_rq_post_mbufs() rather than zc_rq_post_bulk(). */
	unsigned int ret;   /* What the post returned. */
	uint32_t done;
};

static void *
post_guarded(void *arg)
{
	struct guarded_post *p = arg;

	if (p->mbufs)
		p->ret = zc_rq_post_mbufs(rq, (struct rte_mbuf * const *)guard, RACE_N);
	else
		p->ret = zc_rq_post_bulk(rq, (const struct zc_rq_entry *)guard, RACE_N);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
race_guarded(const char *name, bool mbufs)
{
	struct sigaction sa = { .sa_sigaction = guard_fault, .sa_flags = SA_SIGINFO }, old;
	static struct guarded_post p;
	struct rte_mbuf *held[BATCH];
	int stop = -1, closed = -1, uninit = -1;
	bool in_post = false;
	unsigned int i;
	uint64_t end;
	pthread_t t;
	char *g;

	ZC_ASSERT(port_up(name) == 0, "port");
	ZC_ASSERT(veth_traffic(port, held, BATCH) == BATCH, "receive");
	guard_len = sysconf(_SC_PAGESIZE);
	g = mmap(NULL, guard_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ZC_ASSERT(g != MAP_FAILED, "mmap");
	RTE_BUILD_BUG_ON(RACE_N * sizeof(struct zc_rq_entry) > 4096);
	if (mbufs)
		memcpy(g, held, RACE_N * sizeof(held[0]));
	else
		for (i = 0; i < RACE_N; i++)
			ZC_ASSERT(zc_rq_mbuf_entry(rq, held[i], &((struct zc_rq_entry *)g)[i]) == 0,
				  "entry %u", i);
	ZC_ASSERT(mprotect(g, guard_len, PROT_NONE) == 0, "mprotect");
	__atomic_store_n(&guard, g, __ATOMIC_RELEASE);
	stage = ST_IDLE;
	faults = 0;
	stranded = 0;
	sigemptyset(&sa.sa_mask);
	ZC_ASSERT(sigaction(SIGSEGV, &sa, &old) == 0, "sigaction");
	p = (struct guarded_post){ .mbufs = mbufs };
	ZC_ASSERT(thread_start(&t, post_guarded, &p) == 0, "thread");

	/* Wait for the poster to be inside the post, past its detached check... */
	end = rte_get_timer_cycles() + WAIT_S * rte_get_timer_hz();
	while (!(in_post = __atomic_load_n(&stage, __ATOMIC_ACQUIRE) == ST_IN_POST) &&
	       !__atomic_load_n(&p.done, __ATOMIC_ACQUIRE) && rte_get_timer_cycles() < end)
		rte_pause();
	/* ... then take the queue away under it: the drain runs before it publishes. */
	if (in_post) {
		stop = rte_eth_dev_stop(port);
		closed = rte_eth_dev_close(port);
		uninit = rte_vdev_uninit(name);
	}
	__atomic_store_n(&stage, ST_CLOSED, __ATOMIC_RELEASE);
	thread_join(t);
	sigaction(SIGSEGV, &old, NULL);
	__atomic_store_n(&guard, NULL, __ATOMIC_RELEASE);
	munmap(g, guard_len);

	ZC_ASSERT(in_post, "the post did not fault on its input (returned %u)", p.ret);
	ZC_ASSERT(faults == 1 && !stranded, "faults %u, handler timed out %u", faults, stranded);
	ZC_ASSERT(stop == 0 && closed == 0 && uninit == 0, "stop %d close %d uninit %d", stop,
		  closed, uninit);
	printf("    post published after the drain, returned %u of %u (%s)\n", p.ret, RACE_N,
	       p.ret == 0 ? "withdrawn" : "taken");
	if (race_end(held, p.ret) != 0)
		return -1;
	/* The drain had finished before the post published: nothing was there to take. */
	ZC_ASSERT(p.ret == 0, "post returned %u after the drain, not withdrawn", p.ret);
	return 0;
}

static int
test_race_entries(void)
{
	return race_guarded("net_zcrx_dre", false);
}

static int
test_race_mbufs(void)
{
	return race_guarded("net_zcrx_drm", true);
}

/* Free race: a thread posts bulk after bulk while the main thread closes the port. */
struct post_loop {
	const struct zc_rq_entry *e;
	uint64_t gap;           /* Cycles between bulks. */
	uint32_t go;            /* Set by the main thread as it closes the port. */
	unsigned int posted;    /* Entries at the front of e[] posted. */
	bool refused;           /* A bulk was refused (the queue is gone). */
};

static void *
post_loop(void *arg)
{
	struct post_loop *l = arg;
	uint64_t end = rte_get_timer_cycles() + WAIT_S * rte_get_timer_hz(), next;
	unsigned int k;

	while (!__atomic_load_n(&l->go, __ATOMIC_ACQUIRE))
		if (rte_get_timer_cycles() > end)
			return NULL;
	while (l->posted < RACE_N) {
		k = zc_rq_post_bulk(rq, &l->e[l->posted], RTE_MIN(RUN_BULK, RACE_N - l->posted));
		/* 0: the queue is gone (the ring has room for all). The rest stay ours. */
		if (k == 0) {
			l->refused = true;
			break;
		}
		l->posted += k;
		for (next = rte_get_timer_cycles() + l->gap; rte_get_timer_cycles() < next;)
			rte_pause();
	}
	return NULL;
}

static int
test_race_free(void)
{
	static struct zc_rq_entry e[RACE_N];
	struct rte_mbuf *held[BATCH];
	unsigned int run, i, straddled = 0;
	struct post_loop l;
	char name[32];
	pthread_t t;
	int stop, closed, uninit;

	for (run = 0; run < RUNS; run++) {
		snprintf(name, sizeof(name), "net_zcrx_dl%u", run);
		ZC_ASSERT(port_up(name) == 0, "port");
		ZC_ASSERT(veth_traffic(port, held, BATCH) == BATCH, "receive");
		for (i = 0; i < RACE_N; i++)
			ZC_ASSERT(zc_rq_mbuf_entry(rq, held[i], &e[i]) == 0, "entry %u", i);
		/*
		 * Gaps from none to about 2 us between bulks, so that some runs post
		 * across the detach, which close reaches within microseconds.
		 */
		l = (struct post_loop){ .e = e, .gap = run * rte_get_timer_hz() / 10000000 };
		ZC_ASSERT(thread_start(&t, post_loop, &l) == 0, "thread");
		stop = rte_eth_dev_stop(port);
		__atomic_store_n(&l.go, 1, __ATOMIC_RELEASE);
		closed = rte_eth_dev_close(port);
		uninit = rte_vdev_uninit(name);
		thread_join(t);
		ZC_ASSERT(stop == 0 && closed == 0 && uninit == 0, "run %u: stop %d close %d uninit %d",
			  run, stop, closed, uninit);
		straddled += l.posted != 0 && l.refused;
		if (race_end(held, l.posted) != 0) {
			printf("    run %u (gap %" PRIu64 " cycles)\n", run, l.gap);
			return -1;
		}
	}
	printf("    %u runs, %u posted across the detach\n", RUNS, straddled);
	return 0;
}

ZC_VETH_TEST_MAIN(
	{ "entry post resumed after close", test_race_entries },
	{ "mbuf post resumed after close", test_race_mbufs },
	{ "posts racing close", test_race_free }
)
