/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
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

/* A devarg: its key, the parser of its value, where the value goes, its range. */
struct devarg {
	const char *key;
	int (*parse)(const char *dev, const struct devarg *a, const char *value);
	void *out;
	unsigned long min, max;
};

/*
 * Every devarg error is this one line: the device, the devarg as given (DPDK 22.11's
 * kvargs hands a bare key a NULL value) and what is wrong or accepted. -EINVAL.
 */
static int __rte_format_printf(4, 5)
arg_error(const char *dev, const char *key, const char *value, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ZCRX_LOG(ERR, "%s: %s%s%s: %s\n", dev, key, value != NULL ? "=" : " without a value",
		 value != NULL ? value : "", why);
	return -EINVAL;
}

/*
 * Plain decimal within [0, max]: strtoul(.., 0) read "010" as 8 and "0x20" as 32,
 * and took " 8" and "+8" too.
 */
static bool
decimal(const char *value, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *c;

	if (value == NULL || value[0] == '\0' || (value[0] == '0' && value[1] != '\0'))
		return false;
	/* Stops past max: no overflow. */
	for (c = value; isdigit((unsigned char)*c) && v <= max; c++)
		v = v * 10 + (*c - '0');
	if (*c != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static int
get_uint(const char *dev, const struct devarg *a, const char *value)
{
	unsigned long v;

	if (!decimal(value, a->max, &v) || v < a->min)
		return arg_error(dev, a->key, value,
				 "expected a number from %lu to %lu in plain decimal (no sign, space, 0x or leading 0)",
				 a->min, a->max);
	*(unsigned long *)a->out = v;
	return 0;
}

/* The refill ring's size is a mask plus one. */
static int
get_rq(const char *dev, const struct devarg *a, const char *value)
{
	unsigned long v;

	if (!decimal(value, a->max, &v) || (v & (v - 1)) != 0)
		return arg_error(dev, a->key, value,
				 "expected 0 (no refill ring) or a power of two up to %lu, in plain decimal",
				 a->max);
	*(unsigned long *)a->out = v;
	return 0;
}

static int
get_iface(const char *dev, const struct devarg *a, const char *value)
{
	if (value == NULL || value[0] == '\0' || strlen(value) >= IFNAMSIZ)
		return arg_error(dev, a->key, value,
				 "expected an interface name of 1 to %d characters", IFNAMSIZ - 1);
	strcpy(a->out, value);
	return 0;
}

/* Checked here so that a wrong path gets its own message rather than libbpf's. */
static int
get_prog(const char *dev, const struct devarg *a, const char *value)
{
	int fd;

	if (value == NULL || value[0] == '\0' || strlen(value) >= PATH_MAX)
		return arg_error(dev, a->key, value, "expected the path of an XDP object file");
	fd = open(value, O_RDONLY);
	if (fd < 0) {
		int err = errno;

		arg_error(dev, a->key, value, "cannot read the XDP object file: %s; %s",
			  strerror(err), err == ENOENT || err == ENOTDIR ?
			  "check the path (relative paths start at the working directory)" :
			  "make it readable by this process");
		return -err;
	}
	close(fd);
	strcpy(a->out, value);
	return 0;
}

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

/* Interface checks: exists, is up, is not the loopback, has the queues, has a MAC address. */
static int
check_iface(const char *dev, struct zcrx_dev *zd)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	unsigned int nb_queues = 1;
	int fd, ret = 0;

	zd->if_index = if_nametoindex(zd->if_name);
	if (zd->if_index == 0) {
		arg_error(dev, "iface", zd->if_name,
			  "no such interface: check the name with 'ip link'");
		return -ENODEV;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, zd->if_name);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 || !(ifr.ifr_flags & IFF_UP)) {
		arg_error(dev, "iface", zd->if_name,
			  "the interface is down: bring it up with 'ip link set %s up'",
			  zd->if_name);
		ret = -ENETDOWN;
		goto out;
	}
	/* The program steering frames to the sockets would take the host's own traffic. */
	if (ifr.ifr_flags & IFF_LOOPBACK) {
		arg_error(dev, "iface", zd->if_name,
			  "a loopback device carries this host's own traffic, which the port's XDP program would take from every local socket: use a veth pair or a NIC");
		ret = -EOPNOTSUPP;
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
		arg_error(dev, "iface", zd->if_name,
			  "%u queues, start_queue=%u queue_count=%u needs %u: lower them or add channels with 'ethtool -L %s combined N'",
			  nb_queues, zd->start_queue, zd->queue_count,
			  zd->start_queue + zd->queue_count, zd->if_name);
		ret = -EINVAL;
	}
out:
	close(fd);
	return ret;
}

static const struct devarg *
find_devarg(const struct devarg *args, unsigned int nb, const char *key)
{
	unsigned int i;

	for (i = 0; i < nb; i++)
		if (strcmp(args[i].key, key) == 0)
			return &args[i];
	return NULL;
}

static int
unknown_key(const char *dev, const struct devarg *args, unsigned int nb,
	    const struct rte_kvargs_pair *p)
{
	char valid[128];
	size_t len = 0;
	unsigned int i;

	valid[0] = '\0';
	for (i = 0; i < nb && len < sizeof(valid); i++)
		len += snprintf(valid + len, sizeof(valid) - len, "%s%s", i != 0 ? ", " : "",
				args[i].key);
	return arg_error(dev, p->key, p->value, "unknown key; valid keys: %s", valid);
}

int
zcrx_parse_devargs(struct rte_vdev_device *vdev, struct zcrx_dev *zd)
{
	const char *dev = rte_vdev_device_name(vdev), *args = rte_vdev_device_args(vdev);
	unsigned long start = 0, count = 1, rq = ZCRX_RQ_DEFAULT, budget = 0, copy = 0, zc = 0;
	const struct devarg devargs[] = {
		{ "iface", get_iface, zd->if_name, 0, 0 },
		{ "start_queue", get_uint, &start, 0, UINT16_MAX },
		{ "queue_count", get_uint, &count, 1, ZCRX_MAX_QUEUES },
		{ "rq_entries", get_rq, &rq, 0, ZCRX_RQ_MAX },
		{ "busy_budget", get_uint, &budget, 0, UINT16_MAX },
		{ "force_copy", get_uint, &copy, 0, 1 },
		{ "zero_copy", get_uint, &zc, 0, 1 },
		{ "xdp_prog", get_prog, zd->xdp_prog_path, 0, 0 },
	};
	const struct devarg *a;
	struct rte_kvargs *kv;
	unsigned int i, j;
	int ret = 0;

	if (args == NULL)
		args = "";
	errno = 0;
	kv = rte_kvargs_parse(args, NULL);
	if (kv == NULL) {
		/* Without valid keys to check, DPDK 22.11's kvargs fails only these two ways. */
		ZCRX_LOG(ERR, "%s: cannot parse devargs '%s': %s\n", dev, args,
			 errno == ENOMEM ? "out of memory" :
			 "more than " RTE_STR(RTE_KVARGS_MAX) " key=value pairs (each key is accepted once)");
		return -EINVAL;
	}
	for (i = 0; i < kv->count && ret == 0; i++) {
		const struct rte_kvargs_pair *p = &kv->pairs[i];

		a = find_devarg(devargs, RTE_DIM(devargs), p->key);
		for (j = 0; j < i && strcmp(kv->pairs[j].key, p->key) != 0; j++)
			;
		if (a == NULL)
			ret = unknown_key(dev, devargs, RTE_DIM(devargs), p);
		else if (j < i)
			ret = arg_error(dev, p->key, p->value,
					"%s given again: each key is accepted once", p->key);
		else
			ret = a->parse(dev, a, p->value);
	}
	rte_kvargs_free(kv);
	if (ret != 0)
		return ret;
	if (zd->if_name[0] == '\0') {
		ZCRX_LOG(ERR, "%s: iface=<netdev> is required\n", dev);
		return -EINVAL;
	}
	if (copy && zc) {
		ZCRX_LOG(ERR, "%s: force_copy=1 and zero_copy=1 contradict each other; give one\n",
			 dev);
		return -EINVAL;
	}
	zd->rq_entries = rq;
	zd->start_queue = start;
	zd->queue_count = count;
	zd->busy_budget = budget;
	zd->force_copy = copy;
	zd->zero_copy = zc;
	ret = check_iface(dev, zd);
	if (ret == 0)
		ret = check_af_xdp();
	return ret;
}
