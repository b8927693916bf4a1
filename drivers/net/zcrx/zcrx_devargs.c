/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>

#include <bus_vdev_driver.h>
#include <rte_kvargs.h>

#include "zcrx_pvt.h"

#define ARG_IFACE "iface"
#define ARG_START_QUEUE "start_queue"
#define ARG_QUEUE_COUNT "queue_count"
#define ARG_RQ_ENTRIES "rq_entries"
#define ARG_BUSY_BUDGET "busy_budget"
#define ARG_FORCE_COPY "force_copy"
#define ARG_XDP_PROG "xdp_prog"

static const char * const valid_args[] = {
	ARG_IFACE, ARG_START_QUEUE, ARG_QUEUE_COUNT, ARG_RQ_ENTRIES, ARG_BUSY_BUDGET,
	ARG_FORCE_COPY, ARG_XDP_PROG, NULL
};

/* Parse an unsigned devarg within [min, max]; logs the bad value. */
static int
get_uint(const char *key, const char *value, void *out, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno != 0 || *value == '\0' || *end != '\0' || v < min || v > max) {
		ZCRX_LOG(ERR, "%s=%s: expected a number from %lu to %lu\n", key, value, min, max);
		return -EINVAL;
	}
	*(unsigned long *)out = v;
	return 0;
}

static int
get_iface(const char *key, const char *value, void *out)
{
	if (strlen(value) == 0 || strlen(value) >= IFNAMSIZ) {
		ZCRX_LOG(ERR, "%s=%s: an interface name is 1 to %d characters\n", key, value,
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	strcpy(out, value);
	return 0;
}

/* Checked here so that a wrong path gets its own message rather than libbpf's. */
static int
get_prog(const char *key, const char *value, void *out)
{
	int fd;

	if (strlen(value) == 0 || strlen(value) >= PATH_MAX) {
		ZCRX_LOG(ERR, "%s=%s: expected the path of an XDP object file\n", key, value);
		return -EINVAL;
	}
	fd = open(value, O_RDONLY);
	if (fd < 0) {
		int err = errno;

		ZCRX_LOG(ERR, "%s=%s: cannot read the XDP object file: %s; %s\n", key, value,
			 strerror(err), err == ENOENT || err == ENOTDIR ?
			 "check the path (relative paths start at the working directory)" :
			 "make it readable by this process");
		return -err;
	}
	close(fd);
	strcpy(out, value);
	return 0;
}

#define UINT_HANDLER(name, min, max) \
	static int name(const char *key, const char *value, void *out) \
	{ \
		return get_uint(key, value, out, min, max); \
	}
UINT_HANDLER(get_queue, 0, 65535)
UINT_HANDLER(get_count, 1, ZCRX_MAX_QUEUES)
UINT_HANDLER(get_rq, 0, ZCRX_RQ_MAX)
UINT_HANDLER(get_budget, 0, 65535)
UINT_HANDLER(get_bool, 0, 1)

/* AF_XDP sockets need privileges the probe can check before anything is set up. */
static int
check_af_xdp(void)
{
	int fd = socket(AF_XDP, SOCK_RAW, 0);

	if (fd < 0) {
		int err = errno;

		ZCRX_LOG(ERR, "cannot open an AF_XDP socket: %s; %s\n", strerror(err),
			 err == EPERM || err == EACCES ?
			 "run as root, or grant CAP_NET_RAW, CAP_NET_ADMIN and CAP_BPF" :
			 "this kernel needs CONFIG_XDP_SOCKETS");
		return -err;
	}
	close(fd);
	return 0;
}

/* Interface checks: exists, is up, has the queues, has a MAC address. */
static int
check_iface(struct zcrx_dev *zd)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	unsigned int nb_queues = 1;
	int fd, ret = 0;

	zd->if_index = if_nametoindex(zd->if_name);
	if (zd->if_index == 0) {
		ZCRX_LOG(ERR, "interface %s not found: check the name with 'ip link'\n",
			 zd->if_name);
		return -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, zd->if_name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP)) {
		ZCRX_LOG(ERR, "interface %s is down: bring it up with 'ip link set %s up'\n",
			 zd->if_name, zd->if_name);
		ret = -ENETDOWN;
		goto out;
	}
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(&zd->mac, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		nb_queues = RTE_MAX(ch.combined_count, ch.rx_count);
	/* Drivers without channel reporting have a single queue. */
	nb_queues = RTE_MAX(nb_queues, 1u);
	if ((unsigned int)zd->start_queue + zd->queue_count > nb_queues) {
		ZCRX_LOG(ERR, "interface %s has %u queues, start_queue=%u queue_count=%u needs %u: lower them or add channels with 'ethtool -L %s combined N'\n",
			 zd->if_name, nb_queues, zd->start_queue, zd->queue_count,
			 zd->start_queue + zd->queue_count, zd->if_name);
		ret = -EINVAL;
	}
out:
	close(fd);
	return ret;
}

int
zcrx_parse_devargs(struct rte_vdev_device *vdev, struct zcrx_dev *zd)
{
	const char *args = rte_vdev_device_args(vdev);
	struct rte_kvargs *kv;
	unsigned long start = 0, count = 1, rq = ZCRX_RQ_DEFAULT, budget = 0, copy = 0;
	int ret;

	unsigned int i, k;

	kv = rte_kvargs_parse(args ? args : "", NULL);
	if (kv == NULL) {
		ZCRX_LOG(ERR, "%s: cannot parse devargs '%s'\n", rte_vdev_device_name(vdev), args);
		return -EINVAL;
	}
	for (i = 0; i < kv->count; i++) {
		for (k = 0; valid_args[k] != NULL; k++)
			if (strcmp(kv->pairs[i].key, valid_args[k]) == 0)
				break;
		if (valid_args[k] == NULL) {
			ZCRX_LOG(ERR, "%s: unknown devarg '%s'; valid: iface, start_queue, queue_count, rq_entries, busy_budget, force_copy, xdp_prog\n",
				 rte_vdev_device_name(vdev), kv->pairs[i].key);
			ret = -EINVAL;
			goto out;
		}
	}
	if (rte_kvargs_count(kv, ARG_IFACE) != 1) {
		ZCRX_LOG(ERR, "%s: iface=<netdev> is required, once\n", rte_vdev_device_name(vdev));
		ret = -EINVAL;
		goto out;
	}
	ret = rte_kvargs_process(kv, ARG_IFACE, get_iface, zd->if_name);
	if (ret == 0)
		ret = rte_kvargs_process(kv, ARG_START_QUEUE, get_queue, &start);
	if (ret == 0)
		ret = rte_kvargs_process(kv, ARG_QUEUE_COUNT, get_count, &count);
	if (ret == 0)
		ret = rte_kvargs_process(kv, ARG_RQ_ENTRIES, get_rq, &rq);
	if (ret == 0)
		ret = rte_kvargs_process(kv, ARG_BUSY_BUDGET, get_budget, &budget);
	if (ret == 0)
		ret = rte_kvargs_process(kv, ARG_FORCE_COPY, get_bool, &copy);
	if (ret == 0)
		ret = rte_kvargs_process(kv, ARG_XDP_PROG, get_prog, zd->xdp_prog_path);
	if (ret != 0)
		goto out;
	if ((rq & (rq - 1)) != 0) {
		ZCRX_LOG(ERR, "rq_entries=%lu: must be 0 (no refill ring) or a power of two up to %d\n",
			 rq, ZCRX_RQ_MAX);
		ret = -EINVAL;
		goto out;
	}
	zd->rq_entries = rq;
	zd->start_queue = start;
	zd->queue_count = count;
	zd->busy_budget = budget;
	zd->force_copy = copy;
	ret = check_iface(zd);
	if (ret == 0)
		ret = check_af_xdp();
out:
	rte_kvargs_free(kv);
	return ret;
}
