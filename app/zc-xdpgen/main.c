/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * zc-xdpgen: the veth benchmarks' traffic generator. It offers 64-byte IPv4 UDP
 * frames out of one device as fast as the kernel can, without a socket or a
 * copy per frame: BPF_PROG_RUN of an XDP program that returns XDP_TX, with
 * BPF_F_TEST_XDP_LIVE_FRAMES (frames built once in a page pool, then recycled,
 * each XDP_TX a redirect to the device's ndo_xdp_xmit, flushed every batch).
 * On a veth the frames land in the peer's XDP ring: the peer must run a native
 * XDP program (the DUT's), else they are dropped (the veth's tx_dropped).
 *
 * The kernel runs the peer's receive (its XDP program, the AF_XDP copy) in the
 * softirq of this CPU, at the end of every batch: pin it to a CPU of its own.
 *
 * Every live-frames run ends in synchronize_rcu() (its page pool's teardown),
 * which sleeps for milliseconds in a VM: one thread offered nothing for about a
 * quarter of the time, and the DUT idled once its rings drained (99% of its
 * polls empty, measured). Several threads (default 4; 3 were enough) on the one
 * CPU overlap those sleeps, so that some thread is always offering.
 *
 *   zc-xdpgen --dev IF --dst-mac MAC [--src-ip A] [--dst-ip B] [--len L]
 *             [--seconds S] [--batch N] [--cpu C] [--threads T] [--obj FILE]
 *
 * It runs for S seconds (default: until SIGINT or SIGTERM), then prints
 *   offered N frames in T s: R Mpps
 * counting the runs that completed (a signal discards the ones in progress).
 * Exit status 0, or 1 on error.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define PROG "zc-xdpgen"
/* Frames per BPF_PROG_RUN: ~50 ms at 5 Mpps, so --seconds and signals act fast. */
#define RUN_FRAMES (1u << 18)
#define BATCH_DEFAULT 64   /* the kernel's default; it allows up to 256 */
#define UDP_PORT 9         /* discard */
#define THREADS_DEFAULT 4
#define THREADS_MAX 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line naming what is wrong, status 1. */
static int __attribute__((format(printf, 1, 2))) bad_arg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --dev IF --dst-mac MAC [--src-ip A] [--dst-ip B] [--len L]\n"
		"       [--seconds S] [--batch N] [--cpu C] [--threads T] [--obj FILE]\n");
}

/* What every offering thread runs, and what it reports. */
struct offer {
	pthread_t tid;
	int prog_fd;
	const uint8_t *frame;
	unsigned int len, batch, ifindex;
	double t0, seconds;
	uint64_t sent;            /* Frames of the runs that completed. */
	int err;                  /* errno of a failed run, 0 if none. */
};

static void *offer_main(void *arg)
{
	struct offer *o = arg;

	while (!stop && (o->seconds == 0 || now() - o->t0 < o->seconds)) {
		struct xdp_md ctx = {.data_end = o->len, .ingress_ifindex = o->ifindex};
		LIBBPF_OPTS(bpf_test_run_opts, run,
			.data_in = o->frame, .data_size_in = o->len,
			.ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			.repeat = RUN_FRAMES, .batch_size = o->batch,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(o->prog_fd, &run) < 0) {
			if (errno != EINTR)
				o->err = errno;
			break;
		}
		o->sent += RUN_FRAMES;
	}
	/* The first to end ends the others: one failure stops the offer. */
	stop = 1;
	return NULL;
}

static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint16_t *p = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* frame_build: Ethernet, IPv4, UDP and a zero payload, LEN bytes (no FCS). */
static int frame_build(uint8_t *buf, size_t len, const uint8_t *dst, const uint8_t *src,
		       struct in_addr sip, struct in_addr dip)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	size_t l3 = len - sizeof(*eth);

	if (len < sizeof(*eth) + sizeof(*ip) + sizeof(*udp))
		return -EINVAL;
	memset(buf, 0, len);
	memcpy(eth->h_dest, dst, ETH_ALEN);
	memcpy(eth->h_source, src, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(l3);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = sip.s_addr;
	ip->daddr = dip.s_addr;
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(UDP_PORT);
	udp->dest = htons(UDP_PORT);
	udp->len = htons(l3 - sizeof(*ip));
	return 0;
}

static int dev_mac(const char *dev, uint8_t *mac)
{
	struct ifreq ifr = {0};
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		rc = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return rc;
}

/* obj_default: xdp_tx.bpf.o beside this program, where the build puts it. */
static void obj_default(char *path, size_t size)
{
	char exe[PATH_MAX - sizeof("/xdp_tx.bpf.o")];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(path, size, "%s/xdp_tx.bpf.o", slash != NULL ? exe : ".");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"dev", required_argument, NULL, 'i'},
		{"dst-mac", required_argument, NULL, 'm'},
		{"src-ip", required_argument, NULL, 's'},
		{"dst-ip", required_argument, NULL, 'd'},
		{"len", required_argument, NULL, 'l'},
		{"seconds", required_argument, NULL, 't'},
		{"batch", required_argument, NULL, 'b'},
		{"cpu", required_argument, NULL, 'c'},
		{"threads", required_argument, NULL, 'n'},
		{"obj", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dev = NULL, *sip_s = "198.18.0.1", *dip_s = "198.18.1.2";
	unsigned int len = 64, batch = BATCH_DEFAULT, nb_threads = THREADS_DEFAULT, ifindex, i;
	struct offer offers[THREADS_MAX];
	uint8_t dst[ETH_ALEN], src[ETH_ALEN], frame[1500];
	struct in_addr sip, dip;
	struct sigaction sa = {.sa_handler = on_signal};
	struct bpf_object *obj;
	struct bpf_program *prog;
	double seconds = 0, t0, t1;
	uint64_t sent = 0;
	char obj_path[PATH_MAX] = "";
	bool have_dst = false;
	int c, cpu = -1, fd, rc;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': dev = optarg; break;
		case 'm':
			have_dst = sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dst[0], &dst[1],
					  &dst[2], &dst[3], &dst[4], &dst[5]) == 6;
			break;
		case 's': sip_s = optarg; break;
		case 'd': dip_s = optarg; break;
		case 'l': len = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'b': batch = strtoul(optarg, NULL, 0); break;
		case 'c': cpu = atoi(optarg); break;
		case 'n': nb_threads = strtoul(optarg, NULL, 0); break;
		case 'o': snprintf(obj_path, sizeof(obj_path), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (dev == NULL || !have_dst || optind != argc) {
		usage(stderr);
		return 1;
	}
	if (inet_pton(AF_INET, sip_s, &sip) != 1 || inet_pton(AF_INET, dip_s, &dip) != 1)
		return bad_arg("--src-ip and --dst-ip must be IPv4 addresses");
	if (len > sizeof(frame))
		return bad_arg("--len must be at most %zu", sizeof(frame));
	if (batch == 0 || batch > 256)
		return bad_arg("--batch must be 1 to 256 (the kernel's limit)");
	if (nb_threads == 0 || nb_threads > THREADS_MAX)
		return bad_arg("--threads must be 1 to %d", THREADS_MAX);
	if (seconds < 0)
		return bad_arg("--seconds must not be negative");
	ifindex = if_nametoindex(dev);
	if (ifindex == 0 || dev_mac(dev, src) < 0) {
		fprintf(stderr, PROG ": no device %s in this network namespace\n", dev);
		return 1;
	}
	if (frame_build(frame, len, dst, src, sip, dip) < 0) {
		fprintf(stderr, PROG ": --len %u is shorter than the headers\n", len);
		return 1;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, PROG ": cannot pin to CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	if (obj_path[0] == '\0')
		obj_default(obj_path, sizeof(obj_path));
	obj = bpf_object__open_file(obj_path, NULL);
	if (obj == NULL || bpf_object__load(obj) < 0) {
		fprintf(stderr, PROG ": cannot load %s (root? clang-built object?): %s\n",
			obj_path, strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, "xdp_tx");
	fd = prog != NULL ? bpf_program__fd(prog) : -1;
	if (fd < 0) {
		fprintf(stderr, PROG ": %s has no program xdp_tx\n", obj_path);
		return 1;
	}
	/* No SA_RESTART: a signal ends the runs in progress at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf(PROG ": offering %u-byte frames on %s, batch %u, %u thread(s)%s\n", len, dev, batch,
	       nb_threads, cpu >= 0 ? "" : ", not pinned");
	fflush(stdout);
	/* The threads inherit the CPU. A signal stops the thread it lands on. */
	t0 = now();
	rc = 0;
	for (i = 0; i < nb_threads; i++) {
		offers[i] = (struct offer){.prog_fd = fd, .frame = frame, .len = len, .batch = batch,
					   .ifindex = ifindex, .t0 = t0, .seconds = seconds};
		if (pthread_create(&offers[i].tid, NULL, offer_main, &offers[i]) != 0) {
			fprintf(stderr, PROG ": cannot start thread %u\n", i);
			stop = 1;
			nb_threads = i;
			rc = 1;
			break;
		}
	}
	while (!stop)
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
	/* Then the others: their runs in progress end with EINTR. */
	for (i = 0; i < nb_threads; i++)
		pthread_kill(offers[i].tid, SIGINT);
	for (i = 0; i < nb_threads; i++) {
		pthread_join(offers[i].tid, NULL);
		printf(PROG ": thread %u offered %" PRIu64 " frames\n", i, offers[i].sent);
		sent += offers[i].sent;
		if (offers[i].err != 0) {
			fprintf(stderr, PROG ": BPF_PROG_RUN: %s\n", strerror(offers[i].err));
			rc = 1;
		}
	}
	t1 = now();
	printf(PROG ": offered %" PRIu64 " frames in %.3f s: %.3f Mpps\n", sent, t1 - t0,
	       t1 > t0 ? sent / (t1 - t0) / 1e6 : 0.0);
	bpf_object__close(obj);
	return rc;
}
