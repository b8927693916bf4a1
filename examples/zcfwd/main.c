/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "zcfwd.h"

static struct zcfwd fwd;
static const char *prog_name;

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	fwd.quit = true;
}

static void
usage_hook(const char *prog)
{
	zcfwd_usage(prog);
}

/* Live lines once a second, and the --duration timer. */
static void *
stats_main(void *arg)
{
	struct zcfwd *f = arg;
	uint64_t hz = rte_get_timer_hz(), start = rte_get_timer_cycles(), last = start;

	while (!f->quit) {
		uint64_t now;

		rte_delay_us_sleep(100 * 1000);
		now = rte_get_timer_cycles();
		if (now - last >= hz) {
			if (!f->opt.quiet)
				zcfwd_stats_line(f, (double)(now - last) / hz);
			last = now;
		}
		if (f->opt.duration != 0 && now - start >= f->opt.duration * hz)
			f->quit = true;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t stats;
	bool stats_on, main_fwd;
	uint64_t start, hz;
	int ret, audit;

	prog_name = argv[0];
	rte_set_application_usage_hook(usage_hook);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "zcfwd: EAL initialisation failed: %s (as root, with hugepages: devtools/setup.sh)\n",
			rte_strerror(rte_errno));
		return 2;
	}
	argc -= ret;
	argv += ret;
	argv[0] = (char *)(uintptr_t)prog_name;
	ret = zcfwd_parse_args(argc, argv, &fwd.opt);
	if (ret != 0) {
		if (ret > 0)
			zcfwd_usage(prog_name);
		rte_eal_cleanup();
		return ret > 0 ? 0 : 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (zcfwd_setup(&fwd) != 0) {
		zcfwd_teardown(&fwd);
		rte_eal_cleanup();
		return 2;
	}
	zcfwd_telemetry_register(&fwd);
	printf("zcfwd: %u ports, %u IPv4 and %u IPv6 routes, %s model, --return %s; ^C stops\n",
	       fwd.nb_ports, fwd.routes.nb_routes4, fwd.routes.nb_routes6,
	       fwd.opt.model == ZCFWD_RTC ? "run-to-completion" : "pipeline",
	       fwd.opt.ret == ZCFWD_RETURN_FREE ? "free" : "refill");
	fflush(stdout);
	hz = rte_get_timer_hz();
	start = rte_get_timer_cycles();
	/*
	 * The statistics loop sleeps: it runs on the main lcore when that lcore has
	 * nothing to forward (rather than leaving it spinning in the wait), on a
	 * thread of its own otherwise.
	 */
	main_fwd = fwd.lcore[rte_get_main_lcore()].role != ZCFWD_IDLE;
	stats_on = main_fwd && pthread_create(&stats, NULL, stats_main, &fwd) == 0;
	if (main_fwd && !stats_on) {
		fprintf(stderr, "zcfwd: cannot start the statistics thread\n");
		fwd.quit = true;
	}
	rte_eal_mp_remote_launch(zcfwd_lcore_main, &fwd, main_fwd ? CALL_MAIN : SKIP_MAIN);
	if (!main_fwd)
		stats_main(&fwd);
	rte_eal_mp_wait_lcore();
	fwd.quit = true;
	if (stats_on)
		pthread_join(stats, NULL);
	zcfwd_summary(&fwd, (double)(rte_get_timer_cycles() - start) / hz);
	audit = zcfwd_teardown(&fwd);
	rte_eal_cleanup();
	return audit == 0 ? 0 : 1;
}
