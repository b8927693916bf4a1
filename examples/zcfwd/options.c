/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "zcfwd.h"

void
zcfwd_usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- -p PORTMASK --config (port,queue,lcore)[,...]\n"
	       "           --routes FILE [options]\n"
	       "\n"
	       "  -p PORTMASK            hexadecimal mask of the ports to use\n"
	       "  --config LIST          which lcore receives each (port,queue); each port's\n"
	       "                         queues must be numbered 0..n-1\n"
	       "  --routes FILE          routes, one 'PREFIX/LEN PORT' per line (IPv4 or IPv6);\n"
	       "                         '#' starts a comment\n"
	       "  --eth-dest PORT,MAC    destination MAC of packets sent on PORT\n"
	       "                         (default 02:00:00:00:00:PORT)\n"
	       "  --mode rtc|pipeline    rtc (default): each lcore receives, routes and sends;\n"
	       "                         pipeline: receive lcores hand packets to --workers\n"
	       "  --workers LCORES       pipeline worker lcores, e.g. 2 or 2,3; receive lcore\n"
	       "                         i (in --config order) feeds worker i %% count\n"
	       "  --return free|refill   how a forwarding lcore gives buffers back: free\n"
	       "                         (default, rte_pktmbuf_free) or refill (the receive\n"
	       "                         queue's net_zcrx refill ring, freeing when it is full)\n"
	       "  --duration SECONDS     stop after SECONDS (default: run until SIGINT)\n"
	       "  --pool-size N          mbufs in the pool (default: sized from the queues)\n"
	       "  --idle-yield           give the CPU away (sched_yield) after a poll that\n"
	       "                         found nothing: for lcores sharing a CPU\n"
	       "  -P                     promiscuous mode on every port\n"
	       "  -q                     no live statistics, only the summary\n"
	       "  -h, --help             this text\n"
	       "\n"
	       "Prints one line per port and second (rx/tx Mpps, drops by reason, buffers\n"
	       "returned by refill and by free), then a summary and a buffer audit: exit\n"
	       "status 0 only if every buffer is back in the pool.\n", prog);
}

static int
bad(const char *opt, const char *arg, const char *what)
{
	fprintf(stderr, "zcfwd: %s %s: %s (see --help)\n", opt, arg, what);
	return -1;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' || *out > max ? -1 : 0;
}

/* "(p,q,l),(p,q,l)" */
static int
parse_config(const char *arg, struct zcfwd_options *opt)
{
	const char *s = arg;

	opt->nb_config = 0;
	while (*s != '\0') {
		unsigned int p, q, l;
		int used = 0;

		if (opt->nb_config == RTE_DIM(opt->config))
			return bad("--config", arg, "too many entries");
		if (sscanf(s, " (%u , %u , %u )%n", &p, &q, &l, &used) != 3 || used == 0)
			return bad("--config", arg, "expected (port,queue,lcore)[,...]");
		if (p >= ZCFWD_MAX_PORTS || q > UINT16_MAX || l >= RTE_MAX_LCORE)
			return bad("--config", arg, "port, queue or lcore out of range");
		opt->config[opt->nb_config++] = (struct zcfwd_config_entry){ p, q, l };
		s += used;
		if (*s == ',')
			s++;
		else if (*s != '\0')
			return bad("--config", arg, "entries are separated by commas");
	}
	return opt->nb_config == 0 ? bad("--config", arg, "no entry") : 0;
}

static int
parse_workers(const char *arg, struct zcfwd_options *opt)
{
	char buf[256], *tok, *save;
	unsigned long l;

	if (strlen(arg) >= sizeof(buf))
		return bad("--workers", arg, "too long");
	strcpy(buf, arg);
	opt->nb_workers = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (parse_uint(tok, RTE_MAX_LCORE - 1, &l) != 0)
			return bad("--workers", arg, "expected lcore ids separated by commas");
		opt->workers[opt->nb_workers++] = l;
	}
	return opt->nb_workers == 0 ? bad("--workers", arg, "no lcore") : 0;
}

static int
parse_eth_dest(const char *arg, struct zcfwd_options *opt)
{
	char buf[64], *comma;
	unsigned long port;

	if (strlen(arg) >= sizeof(buf) || (comma = strchr(strcpy(buf, arg), ',')) == NULL)
		return bad("--eth-dest", arg, "expected PORT,MAC");
	*comma = '\0';
	if (parse_uint(buf, ZCFWD_MAX_PORTS - 1, &port) != 0)
		return bad("--eth-dest", arg, "bad port number");
	if (rte_ether_unformat_addr(comma + 1, &opt->eth_dest[port]) != 0)
		return bad("--eth-dest", arg, "bad MAC address (expected xx:xx:xx:xx:xx:xx)");
	return 0;
}

static int
missing(const char *what)
{
	fprintf(stderr, "zcfwd: %s is required (see --help)\n", what);
	return -1;
}

/* Cross-option checks that need no device. */
static int
check(struct zcfwd_options *opt)
{
	unsigned int i, j;

	if (opt->portmask == 0)
		return missing("-p PORTMASK");
	if (opt->nb_config == 0)
		return missing("--config (port,queue,lcore)[,...]");
	if (opt->routes == NULL)
		return missing("--routes FILE");
	for (i = 0; i < opt->nb_config; i++) {
		const struct zcfwd_config_entry *c = &opt->config[i];

		if (!(opt->portmask & (1u << c->port))) {
			fprintf(stderr, "zcfwd: --config: port %u is not in the port mask -p 0x%x\n",
				c->port, opt->portmask);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (opt->config[j].port == c->port && opt->config[j].queue == c->queue) {
				fprintf(stderr, "zcfwd: --config: (%u,%u) is given twice\n",
					c->port, c->queue);
				return -1;
			}
	}
	if (opt->model == ZCFWD_PIPELINE && opt->nb_workers == 0)
		return missing("with --mode pipeline, --workers LCORES");
	if (opt->model == ZCFWD_RTC && opt->nb_workers != 0) {
		fprintf(stderr, "zcfwd: --workers applies only to --mode pipeline\n");
		return -1;
	}
	for (i = 0; i < opt->nb_workers; i++)
		for (j = 0; j < opt->nb_config; j++)
			if (opt->workers[i] == opt->config[j].lcore) {
				fprintf(stderr, "zcfwd: --workers: lcore %u also receives in --config\n",
					opt->workers[i]);
				return -1;
			}
	return 0;
}

int
zcfwd_parse_args(int argc, char **argv, struct zcfwd_options *opt)
{
	enum { O_CONFIG = 256, O_ROUTES, O_ETH_DEST, O_MODE, O_WORKERS, O_RETURN,
	       O_DURATION, O_POOL, O_IDLE_YIELD };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, O_CONFIG },
		{ "routes", required_argument, NULL, O_ROUTES },
		{ "eth-dest", required_argument, NULL, O_ETH_DEST },
		{ "mode", required_argument, NULL, O_MODE },
		{ "workers", required_argument, NULL, O_WORKERS },
		{ "return", required_argument, NULL, O_RETURN },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "pool-size", required_argument, NULL, O_POOL },
		{ "idle-yield", no_argument, NULL, O_IDLE_YIELD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long v;
	unsigned int i;
	char *end;
	int c;

	for (i = 0; i < ZCFWD_MAX_PORTS; i++)
		opt->eth_dest[i] = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, i } };
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":p:Pqh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			errno = 0;
			v = strtoul(optarg, &end, 16);
			if (errno != 0 || *end != '\0' || v == 0 || v >> ZCFWD_MAX_PORTS != 0)
				return bad("-p", optarg, "expected a non-zero hexadecimal port mask");
			opt->portmask = v;
			break;
		case 'P':
			opt->promiscuous = true;
			break;
		case 'q':
			opt->quiet = true;
			break;
		case O_CONFIG:
			if (parse_config(optarg, opt) != 0)
				return -1;
			break;
		case O_ROUTES:
			opt->routes = optarg;
			break;
		case O_ETH_DEST:
			if (parse_eth_dest(optarg, opt) != 0)
				return -1;
			break;
		case O_MODE:
			if (strcmp(optarg, "rtc") == 0)
				opt->model = ZCFWD_RTC;
			else if (strcmp(optarg, "pipeline") == 0)
				opt->model = ZCFWD_PIPELINE;
			else
				return bad("--mode", optarg, "expected rtc or pipeline");
			break;
		case O_WORKERS:
			if (parse_workers(optarg, opt) != 0)
				return -1;
			break;
		case O_RETURN:
			if (strcmp(optarg, "free") == 0)
				opt->ret = ZCFWD_RETURN_FREE;
			else if (strcmp(optarg, "refill") == 0)
				opt->ret = ZCFWD_RETURN_REFILL;
			else
				return bad("--return", optarg, "expected free or refill");
			break;
		case O_DURATION:
			if (parse_uint(optarg, 86400 * 365, &v) != 0)
				return bad("--duration", optarg, "expected a number of seconds");
			opt->duration = v;
			break;
		case O_POOL:
			if (parse_uint(optarg, UINT32_MAX, &v) != 0 || v < 1024)
				return bad("--pool-size", optarg, "expected a number of mbufs >= 1024");
			opt->pool_size = v;
			break;
		case O_IDLE_YIELD:
			opt->idle_yield = true;
			break;
		case 'h':
			return 1;
		case ':':
			fprintf(stderr, "zcfwd: %s needs a value (see --help)\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "zcfwd: unknown option %s (see --help)\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "zcfwd: unexpected argument %s (see --help)\n", argv[optind]);
		return -1;
	}
	return check(opt);
}
