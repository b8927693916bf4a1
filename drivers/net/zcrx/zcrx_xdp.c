/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <rte_malloc.h>

#include "zcrx_pvt.h"

/*
 * The XDP program that steers frames to the sockets: the user's (xdp_prog) or a
 * built-in one. The first port on an interface attaches it at probe, so that a
 * bad object or a busy interface fails the probe before the application has
 * configured anything, and the last port detaches it at close, so that stopping
 * and starting queues does not reload it. The ports of a process on one
 * interface share it. It is attached in legacy (netlink) mode and never beside
 * another program: one AF_XDP user per interface. The list holds them by
 * interface; its mutex is for control paths, held across bpf() and netlink calls.
 */
static TAILQ_HEAD(, zcrx_xdp) xdps = TAILQ_HEAD_INITIALIZER(xdps);
static pthread_mutex_t xdps_lock = PTHREAD_MUTEX_INITIALIZER;

/* The built-in program's map covers at least this many queues, as libxdp's does. */
#define ZCRX_XSKS_MIN 64

/*
 * The built-in program, libxdp's default one:
 *	return bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
 * Loaded here rather than by libxdp, which shares its program between processes
 * through a count inside it that a killed process never gives back.
 */
static int
builtin_load(const struct zcrx_dev *zd, struct zcrx_xdp *x)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_1,
		  .off = offsetof(struct xdp_md, rx_queue_index) },
		/* r1 = xsks_map: a two-slot load, the map's fd set below. */
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1,
		  .src_reg = BPF_PSEUDO_MAP_FD },
		{ .code = 0 },
		/* Frames for a queue without a socket go to the kernel. */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_redirect_map },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int ret;

	x->map_entries = RTE_MAX((uint32_t)ZCRX_XSKS_MIN,
				 (uint32_t)zd->start_queue + zd->queue_count);
	x->map_fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, ZCRX_XSKS_MAP, sizeof(int), sizeof(int),
				   x->map_entries, NULL);
	if (x->map_fd < 0) {
		ret = x->map_fd;
		goto err;
	}
	insns[1].imm = x->map_fd;
	x->prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "zcrx_redirect", "Dual BSD/GPL", insns,
				   RTE_DIM(insns), NULL);
	if (x->prog_fd < 0) {
		ret = x->prog_fd;
		goto err_close_map;
	}
	return 0;
err_close_map:
	close(x->map_fd);
err:
	ZCRX_LOG(ERR, "%s: cannot load the XDP program: %s%s\n", zd->if_name, strerror(-ret),
		 ret == -EPERM ? " (needs root, or CAP_BPF and CAP_NET_ADMIN)" : "");
	return ret;
}

static int
object_load(const struct zcrx_dev *zd, struct zcrx_xdp *x)
{
	const char *path = zd->xdp_prog_path;
	struct bpf_program *prog;
	struct bpf_map *map;
	char msg[128];
	int ret;

	x->obj = bpf_object__open_file(path, NULL);
	if (x->obj == NULL) {
		ret = -errno;
		libbpf_strerror(ret, msg, sizeof(msg));
		ZCRX_LOG(ERR, "xdp_prog=%s: not a loadable BPF object (%s); build it with 'clang -O2 -g -target bpf -c'\n",
			 path, msg);
		return ret;
	}
	map = bpf_object__find_map_by_name(x->obj, ZCRX_XSKS_MAP);
	if (map == NULL || bpf_map__type(map) != BPF_MAP_TYPE_XSKMAP) {
		ZCRX_LOG(ERR, "xdp_prog=%s: no BPF_MAP_TYPE_XSKMAP map named " ZCRX_XSKS_MAP "; the program must define one and redirect to it by ctx->rx_queue_index\n",
			 path);
		ret = -EINVAL;
		goto err_close;
	}
	prog = bpf_object__next_program(x->obj, NULL);
	if (prog == NULL || bpf_program__type(prog) != BPF_PROG_TYPE_XDP) {
		ZCRX_LOG(ERR, "xdp_prog=%s: its first program is not an XDP program; put it in SEC(\"xdp\")\n",
			 path);
		ret = -EINVAL;
		goto err_close;
	}
	ret = bpf_object__load(x->obj);
	if (ret != 0) {
		libbpf_strerror(ret, msg, sizeof(msg));
		ZCRX_LOG(ERR, "xdp_prog=%s: the kernel refused it: %s (--log-level=pmd.net.zcrx:debug shows libbpf's log)\n",
			 path, msg);
		goto err_close;
	}
	x->prog_fd = bpf_program__fd(prog);
	x->map_fd = bpf_map__fd(map);
	x->map_entries = bpf_map__max_entries(map);
	return 0;
err_close:
	bpf_object__close(x->obj);
	return ret;
}

static void
xdp_unload(struct zcrx_xdp *x)
{
	if (x->obj != NULL) {
		bpf_object__close(x->obj);
		return;
	}
	close(x->prog_fd);
	close(x->map_fd);
}

/* Every queue of the port needs an entry in the program's map. */
static int
xdp_check_queues(const struct zcrx_dev *zd, const struct zcrx_xdp *x)
{
	uint32_t need = (uint32_t)zd->start_queue + zd->queue_count;
	bool user = x->path[0] != '\0';

	if (x->map_entries >= need)
		return 0;
	ZCRX_LOG(ERR, "%s: " ZCRX_XSKS_MAP " of %s%s has %u entries, queues up to %u need %u; %s\n",
		 zd->if_name, user ? "xdp_prog=" : "the built-in program", x->path,
		 x->map_entries, need - 1, need,
		 user ? "raise its max_entries" : "probe the port with the highest queues first");
	return -EINVAL;
}

/*
 * Who attached an interface's program: a file per interface (network namespace
 * and index), locked with flock() by that process while the program is attached
 * and holding its pid and the program's id. A process killed before its close
 * leaves the program attached and the file unlocked: the next probe finds the
 * recorded program still there and nobody holding the lock, and removes it. A
 * program anything else attached is not in the record, and is refused.
 */
#define ZCRX_RUN_DIR "/run/zcrx"

struct owner_record {
	int pid;
	uint32_t prog_id;         /* 0 (no program has it): no record. */
};

static struct owner_record
owner_read(int fd)
{
	struct owner_record r = { 0 };
	char buf[32];
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);

	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%d %" SCNu32, &r.pid, &r.prog_id) != 2)
			r.prog_id = 0;
	}
	return r;
}

/* The interface's owner record, locked; -EBUSY while another process holds it. */
static int
owner_lock(const struct zcrx_dev *zd)
{
	char path[64];
	struct stat ns;
	int fd, ret;

	if (stat("/proc/self/ns/net", &ns) < 0 ||
	    (mkdir(ZCRX_RUN_DIR, 0700) < 0 && errno != EEXIST))
		return -errno;
	snprintf(path, sizeof(path), ZCRX_RUN_DIR "/xdp-%" PRIu64 "-%d", (uint64_t)ns.st_ino,
		 zd->if_index);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
	if (ret == -EBUSY)
		ZCRX_LOG(ERR, "%s: net_zcrx in process %d uses it; an interface takes one process, stop that one first\n",
			 zd->if_name, owner_read(fd).pid);
	close(fd);
	return ret;
}

/* Record this process, and the program it has attached (0: none). */
static void
owner_write(int fd, uint32_t prog_id)
{
	char buf[32];
	int n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%d %" PRIu32 "\n", (int)getpid(), prog_id);
	if (pwrite(fd, buf, n, 0) != n || ftruncate(fd, n) < 0)
		ZCRX_LOG(DEBUG, "cannot write the XDP owner record: %s\n", strerror(errno));
}

/* Detach the program prog_fd names, and only it: not one that replaced it since. */
static int
xdp_detach_fd(int if_index, int prog_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);

	return bpf_xdp_detach(if_index, XDP_FLAGS_REPLACE, &opts);
}

static void
xdp_busy(const struct zcrx_dev *zd)
{
	ZCRX_LOG(ERR, "%s: another XDP program is attached ('ip link show %s'): remove it with 'ip link set %s xdp off'\n",
		 zd->if_name, zd->if_name, zd->if_name);
}

/*
 * Make the interface ours before attaching: refuse it while another process holds
 * its record, remove the program a dead owner left on it, refuse any other.
 */
static int
xdp_claim(const struct zcrx_dev *zd, struct zcrx_xdp *x)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owner_record rec;
	int fd, ret;

	x->owner_fd = owner_lock(zd);
	if (x->owner_fd == -EBUSY)
		return -EBUSY;
	if (x->owner_fd < 0)
		ZCRX_LOG(DEBUG, "%s: no owner record in " ZCRX_RUN_DIR " (%s): a program a killed process left will not be recognised\n",
			 zd->if_name, strerror(-x->owner_fd));
	rec = owner_read(x->owner_fd);
	owner_write(x->owner_fd, 0);
	ret = bpf_xdp_query(zd->if_index, 0, &q);
	if (ret < 0) {
		ZCRX_LOG(ERR, "%s: cannot query its XDP program: %s\n", zd->if_name,
			 strerror(-ret));
		goto err_close_record;
	}
	if (q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	if (rec.prog_id == 0 || q.prog_id != rec.prog_id) {
		xdp_busy(zd);
		ret = -EBUSY;
		goto err_close_record;
	}
	ZCRX_LOG(NOTICE, "%s: removing XDP program %u, left there by net_zcrx process %d, which is gone\n",
		 zd->if_name, rec.prog_id, rec.pid);
	fd = bpf_prog_get_fd_by_id(rec.prog_id);
	ret = fd < 0 ? fd : xdp_detach_fd(zd->if_index, fd);
	if (fd >= 0)
		close(fd);
	if (ret < 0) {
		ZCRX_LOG(ERR, "%s: cannot remove XDP program %u: %s; remove it with 'ip link set %s xdp off'\n",
			 zd->if_name, rec.prog_id, strerror(-ret), zd->if_name);
		goto err_close_record;
	}
	return 0;
err_close_record:
	if (x->owner_fd >= 0)
		close(x->owner_fd);
	return ret;
}

/* Load, claim the interface, attach, record. Called with xdps_lock held. */
static int
xdp_attach(const struct zcrx_dev *zd, struct zcrx_xdp **xp)
{
	struct zcrx_xdp *x;
	uint32_t id = 0;
	int ret;

	x = rte_zmalloc("zcrx_xdp", sizeof(*x), 0);
	if (x == NULL)
		return -ENOMEM;
	x->if_index = zd->if_index;
	strcpy(x->path, zd->xdp_prog_path);
	ret = x->path[0] == '\0' ? builtin_load(zd, x) : object_load(zd, x);
	if (ret < 0)
		goto err_free;
	ret = xdp_check_queues(zd, x);
	if (ret == 0)
		ret = xdp_claim(zd, x);
	if (ret < 0)
		goto err_unload;
	ret = bpf_xdp_attach(zd->if_index, x->prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (ret < 0) {
		if (ret == -EBUSY || ret == -EEXIST)
			xdp_busy(zd);
		else
			ZCRX_LOG(ERR, "%s: cannot attach the XDP program: %s; the kernel refused it (--log-level=pmd.net.zcrx:debug shows libbpf's log)\n",
				 zd->if_name, strerror(-ret));
		goto err_close_record;
	}
	if (bpf_xdp_query_id(zd->if_index, 0, &id) == 0)
		owner_write(x->owner_fd, id);
	x->refcnt = 1;
	TAILQ_INSERT_TAIL(&xdps, x, next);
	*xp = x;
	return 0;
err_close_record:
	if (x->owner_fd >= 0)
		close(x->owner_fd);
err_unload:
	xdp_unload(x);
err_free:
	rte_free(x);
	return ret;
}

/* Called with xdps_lock held. */
static void
xdp_put(const struct zcrx_dev *zd, struct zcrx_xdp *x)
{
	int ret;

	if (--x->refcnt > 0)
		return;
	TAILQ_REMOVE(&xdps, x, next);
	ret = xdp_detach_fd(x->if_index, x->prog_fd);
	/* A deleted interface took its program with it. */
	if (ret < 0 && ret != -ENODEV)
		ZCRX_LOG(WARNING, "%s: cannot detach the XDP program: %s; remove it with 'ip link set %s xdp off'\n",
			 zd->if_name, strerror(-ret), zd->if_name);
	owner_write(x->owner_fd, 0);
	if (x->owner_fd >= 0)
		close(x->owner_fd);
	xdp_unload(x);
	rte_free(x);
}

int
zcrx_xdp_prog_attach(struct zcrx_dev *zd)
{
	struct zcrx_xdp *x;
	int ret;

	pthread_mutex_lock(&xdps_lock);
	TAILQ_FOREACH(x, &xdps, next)
		if (x->if_index == zd->if_index)
			break;
	if (x == NULL) {
		ret = xdp_attach(zd, &x);
	} else if (strcmp(x->path, zd->xdp_prog_path) != 0) {
		ZCRX_LOG(ERR, "%s: another port uses it with %s%s: ports on one interface share its XDP program, give them the same xdp_prog\n",
			 zd->if_name, x->path[0] != '\0' ? "xdp_prog=" : "the built-in program",
			 x->path);
		ret = -EINVAL;
	} else {
		ret = xdp_check_queues(zd, x);
		x->refcnt += ret == 0;
	}
	if (ret == 0)
		zd->xdp = x;
	pthread_mutex_unlock(&xdps_lock);
	return ret;
}

void
zcrx_xdp_prog_detach(struct zcrx_dev *zd)
{
	if (zd->xdp == NULL)
		return;
	pthread_mutex_lock(&xdps_lock);
	xdp_put(zd, zd->xdp);
	pthread_mutex_unlock(&xdps_lock);
	zd->xdp = NULL;
}
