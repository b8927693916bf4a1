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
 *   zc-xdpgen --dev IF --dst-mac MAC [--src-ip A] [--dst-ip B] [--len L]
 *             [--seconds S] [--batch N] [--cpu C] [--obj FILE]
 *
 * It runs for S seconds (default: until SIGINT or SIGTERM), then prints
 *   offered N frames in T s: R Mpps
 * counting the runs that completed (a signal discards the one in progress).
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
#include <sched.h>
#include <signal.h>
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

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " --dev IF --dst-mac MAC [--src-ip A] [--dst-ip B] [--len L]\n"
		"       [--seconds S] [--batch N] [--cpu C] [--obj FILE]\n");
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
		{"obj", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dev = NULL, *sip_s = "198.18.0.1", *dip_s = "198.18.1.2";
	unsigned int len = 64, batch = BATCH_DEFAULT, ifindex;
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
		case 'o': snprintf(obj_path, sizeof(obj_path), "%s", optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (dev == NULL || !have_dst || optind != argc) {
		usage(stderr);
		return 1;
	}
	if (inet_pton(AF_INET, sip_s, &sip) != 1 || inet_pton(AF_INET, dip_s, &dip) != 1 ||
	    len > sizeof(frame) || batch == 0 || batch > 256 || seconds < 0) {
		fprintf(stderr, PROG ": bad address, --len (<= %zu), --batch (1-256) or --seconds\n",
			sizeof(frame));
		return 1;
	}
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
	/* No SA_RESTART: a signal ends the run in progress at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	printf(PROG ": offering %u-byte frames on %s, batch %u%s\n", len, dev, batch,
	       cpu >= 0 ? "" : ", not pinned");
	fflush(stdout);
	t0 = t1 = now();
	rc = 0;
	while (!stop && (seconds == 0 || t1 - t0 < seconds)) {
		struct xdp_md ctx = {.data_end = len, .ingress_ifindex = ifindex};
		LIBBPF_OPTS(bpf_test_run_opts, run,
			.data_in = frame, .data_size_in = len,
			.ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			.repeat = RUN_FRAMES, .batch_size = batch,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(fd, &run) < 0) {
			if (errno != EINTR) {
				fprintf(stderr, PROG ": BPF_PROG_RUN: %s\n", strerror(errno));
				rc = 1;
			}
			break;
		}
		sent += RUN_FRAMES;
		t1 = now();
	}
	printf(PROG ": offered %" PRIu64 " frames in %.3f s: %.3f Mpps\n", sent, t1 - t0,
	       t1 > t0 ? sent / (t1 - t0) / 1e6 : 0.0);
	bpf_object__close(obj);
	return rc;
}
