/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

/*
 * dmabuf areas: what is not a dmabuf is refused with the documented error
 * everywhere; real dmabufs (from /dev/dma_heap/system or /dev/udmabuf) are
 * tested where an exporter exists. Also CPU access bracketing.
 *
 * ZC_TEST_DMABUF_EXPORTER=system-heap or udmabuf picks the exporter (the emulated
 * machine runs the program once with each); unset, the first that exists.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include <rte_errno.h>
#include <rte_memory.h>

#include <zc_area.h>

#include "zc_test.h"
#include "zc_test_dmabuf.h"
#include "zc_test_pool.h"
#include "zc_test_vdev.h"

#define DMABUF_LEN (1u << 20)
#define NO_EXPORTER "SKIP: no dmabuf exporter (%s)\n"

static int
nb_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* The exporter asked for, or NULL for any. */
static const char *
exporter(void)
{
	return getenv("ZC_TEST_DMABUF_EXPORTER");
}

static bool
exporter_wanted(const char *name)
{
	return exporter() == NULL || strcmp(exporter(), name) == 0;
}

/* A dmabuf of len bytes from the exporter asked for (or any that exists), or -1. */
static int
make_dmabuf(size_t len)
{
	int heap = -1, fd = -1;

	if (exporter_wanted("system-heap"))
		heap = open("/dev/dma_heap/system", O_RDWR | O_CLOEXEC);
	if (heap >= 0) {
		struct dma_heap_allocation_data d = {
			.len = len, .fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &d) == 0)
			fd = d.fd;
		close(heap);
		if (fd >= 0)
			return fd;
	}
	if (!exporter_wanted("udmabuf"))
		return -1;
	return zc_test_udmabuf(len);
}

static bool
have_exporter(void)
{
	int fd = make_dmabuf(4096);

	if (fd < 0) {
		printf(NO_EXPORTER, exporter() != NULL ? exporter() :
		       "/dev/dma_heap/system, /dev/udmabuf");
		return false;
	}
	close(fd);
	return true;
}

/*
 * Whether the kernel names fd's exporter as the one asked for (fdinfo exp_name:
 * "system" for the system heap, "udmabuf"), or either when none was asked for.
 */
static bool
exported_by_wanted(int fd, char name[64])
{
	char path[64], line[128];
	FILE *f;

	name[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "exp_name: %63s", name) == 1)
			break;
	fclose(f);
	return (exporter_wanted("system-heap") && strcmp(name, "system") == 0) ||
	       (exporter_wanted("udmabuf") && strcmp(name, "udmabuf") == 0);
}

static int
expect_fail(const char *what, const char *name, int fd, int err)
{
	struct zc_area *a;

	rte_errno = 0;
	a = zc_area_create_dmabuf(name, fd, SOCKET_ID_ANY);
	if (a != NULL)
		zc_area_put(a);
	ZC_ASSERT(a == NULL && rte_errno == err, "%s: area %p errno %d (%s), expected %d", what,
		  (void *)a, rte_errno, rte_strerror(rte_errno), err);
	return 0;
}

static int
test_reject_bad_fd(void)
{
	int fds = nb_open_fds(), fd;

	ZC_ASSERT(expect_fail("fd -1", "db_bad", -1, EBADF) == 0, "-");
	ZC_ASSERT(expect_fail("fd -42", "db_bad", -42, EBADF) == 0, "-");
	/* A descriptor that was open and is closed now. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ZC_ASSERT(fd >= 0, "open /dev/null");
	close(fd);
	if (fcntl(fd, F_GETFD) < 0)
		ZC_ASSERT(expect_fail("closed fd", "db_bad", fd, EBADF) == 0, "-");
	ZC_ASSERT(expect_fail("fd never opened", "db_bad", 1 << 20, EBADF) == 0, "-");
	ZC_ASSERT(nb_open_fds() == fds, "descriptors leaked: %d -> %d", fds, nb_open_fds());
	return 0;
}

static int
test_reject_not_dmabuf(void)
{
	char path[] = "/tmp/zc_dmabuf_test_XXXXXX";
	int fds = nb_open_fds(), memfd, file, pipefd[2], nullfd;
	char buf[4096];

	memset(buf, 0x42, sizeof(buf));
	memfd = memfd_create("zc_not_dmabuf", MFD_CLOEXEC);
	ZC_ASSERT(memfd >= 0, "memfd_create: %s", strerror(errno));
	ZC_ASSERT(ftruncate(memfd, 1 << 20) == 0, "ftruncate");
	ZC_ASSERT(expect_fail("memfd", "db_memfd", memfd, ENOTTY) == 0, "-");
	ZC_ASSERT(fcntl(memfd, F_GETFD) >= 0, "the caller's memfd was closed");

	file = mkstemp(path);
	ZC_ASSERT(file >= 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	ZC_ASSERT(write(file, buf, sizeof(buf)) == (ssize_t)sizeof(buf), "write");
	ZC_ASSERT(expect_fail("regular file", "db_file", file, ENOTTY) == 0, "-");
	ZC_ASSERT(fcntl(file, F_GETFD) >= 0, "the caller's file was closed");

	ZC_ASSERT(pipe(pipefd) == 0, "pipe");
	ZC_ASSERT(expect_fail("pipe", "db_pipe", pipefd[0], ENOTTY) == 0, "-");
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ZC_ASSERT(nullfd >= 0, "open /dev/null");
	ZC_ASSERT(expect_fail("/dev/null", "db_null", nullfd, ENOTTY) == 0, "-");

	/* Bad names with descriptors that are no dmabuf: still refused, nothing leaks. */
	rte_errno = 0;
	ZC_ASSERT(zc_area_create_dmabuf(NULL, memfd, SOCKET_ID_ANY) == NULL && rte_errno != 0,
		  "NULL name, memfd");
	ZC_ASSERT(rte_errno == ENOTTY || rte_errno == EINVAL, "NULL name: errno %d", rte_errno);
	rte_errno = 0;
	ZC_ASSERT(zc_area_create_dmabuf("", memfd, SOCKET_ID_ANY) == NULL && rte_errno != 0,
		  "empty name, memfd");
	rte_errno = 0;
	ZC_ASSERT(zc_area_create_dmabuf(NULL, -1, SOCKET_ID_ANY) == NULL &&
		  (rte_errno == EBADF || rte_errno == EINVAL), "NULL name, fd -1: %d", rte_errno);

	/* Unknown flags are refused first, whatever the descriptor. */
	rte_errno = 0;
	ZC_ASSERT(zc_area_create_dmabuf_flags("db_flags", memfd, SOCKET_ID_ANY, 1u << 7) == NULL &&
		  rte_errno == EINVAL, "unknown flag: errno %d, expected EINVAL", rte_errno);

	close(memfd);
	close(file);
	close(pipefd[0]);
	close(pipefd[1]);
	close(nullfd);
	ZC_ASSERT(nb_open_fds() == fds, "descriptors leaked: %d -> %d", fds, nb_open_fds());
	ZC_ASSERT(area_named("db_memfd") == NULL && area_named("db_file") == NULL,
		  "failed creations published an area");
	return 0;
}

static int
test_cpu_access_hugepage(void)
{
	static const uint32_t bad[] = {
		0, 1u << 2, 1u << 31, ZC_AREA_CPU_READ | (1u << 5), UINT32_MAX,
	};
	struct zc_area *a = zc_area_create_hugepage("db_hp_cpu", 1 << 20, SOCKET_ID_ANY);
	unsigned int i;
	int ret;

	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	for (i = 0; i < RTE_DIM(bad); i++) {
		ret = zc_area_cpu_access_begin(a, bad[i]);
		ZC_ASSERT(ret == -EINVAL, "begin flags %#x: %d", bad[i], ret);
		ret = zc_area_cpu_access_end(a, bad[i]);
		ZC_ASSERT(ret == -EINVAL, "end flags %#x: %d", bad[i], ret);
	}
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_READ) == 0, "begin read");
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_READ) == 0, "end read");
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_WRITE) == 0, "begin write");
	memset(zc_area_addr(a), 0x77, 1 << 20);
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_WRITE) == 0, "end write");
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_READ | ZC_AREA_CPU_WRITE) == 0, "begin rw");
	ZC_ASSERT(((uint8_t *)zc_area_addr(a))[12345] == 0x77, "readback");
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_READ | ZC_AREA_CPU_WRITE) == 0, "end rw");
	zc_area_put(a);
	return 0;
}

static int
test_cpu_access_user(void)
{
	const size_t len = 64 * 1024;
	struct zc_area_user_params p = { .len = len, .page_sz = sysconf(_SC_PAGESIZE),
					 .socket_id = SOCKET_ID_ANY };
	struct zc_area *a;

	p.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ZC_ASSERT(p.addr != MAP_FAILED, "mmap");
	a = zc_area_create_user("db_user_cpu", &p);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(zc_area_cpu_access_begin(a, 0) == -EINVAL, "flags 0");
	ZC_ASSERT(zc_area_cpu_access_begin(a, 4) == -EINVAL, "flags 4");
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_READ | ZC_AREA_CPU_WRITE) == 0, "begin");
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_READ | ZC_AREA_CPU_WRITE) == 0, "end");
	zc_area_put(a);
	munmap(p.addr, len);
	return 0;
}

/* --- Positive cases, where an exporter exists. --- */

static int
test_dmabuf_create(void)
{
	struct zc_area_info info;
	struct zc_area *a;
	uint8_t *own, *mem;
	int fd, fds;
	char exp[64];
	uint16_t id;
	size_t i;

	if (!have_exporter())
		return ZC_TEST_SKIP;
	fds = nb_open_fds();
	fd = make_dmabuf(DMABUF_LEN);
	ZC_ASSERT(fd >= 0, "dmabuf");
	ZC_ASSERT(exported_by_wanted(fd, exp), "exporter \"%s\", asked for %s", exp,
		  exporter() != NULL ? exporter() : "any");
	a = zc_area_create_dmabuf("db_pos", fd, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	id = zc_area_id(a);
	ZC_ASSERT(zc_area_info_get(a, &info) == 0, "info");
	ZC_ASSERT(strcmp(info.provider, "dmabuf") == 0, "provider %s", info.provider);
	ZC_ASSERT(strcmp(info.name, "db_pos") == 0, "name %s", info.name);
	ZC_ASSERT(info.len == DMABUF_LEN, "len %zu", info.len);
	ZC_ASSERT(info.readable && zc_area_readable(a), "system heap / udmabuf allow mmap");
	ZC_ASSERT(info.addr != NULL && info.addr == zc_area_addr(a), "addr");
	ZC_ASSERT(info.page_sz == (size_t)sysconf(_SC_PAGESIZE), "page_sz %zu", info.page_sz);
	ZC_ASSERT(info.refcnt == 1 && info.nb_devices == 0, "refcnt %u", info.refcnt);
	ZC_ASSERT(area_with_id(id) == a && area_named("db_pos") == a, "lookups");

	/* Write through the area, read back through it and through our own mapping. */
	mem = info.addr;
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_WRITE) == 0, "begin write");
	for (i = 0; i < info.len; i++)
		mem[i] = (uint8_t)(i * 7 + 3);
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_WRITE) == 0, "end write");
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_READ) == 0, "begin read");
	for (i = 0; i < info.len; i += 997)
		ZC_ASSERT(mem[i] == (uint8_t)(i * 7 + 3), "byte %zu", i);
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_READ) == 0, "end read");
	own = mmap(NULL, DMABUF_LEN, PROT_READ, MAP_SHARED, fd, 0);
	ZC_ASSERT(own != MAP_FAILED, "mmap the dmabuf ourselves");
	for (i = 0; i < info.len; i += 997)
		ZC_ASSERT(own[i] == (uint8_t)(i * 7 + 3), "same memory: byte %zu", i);
	munmap(own, DMABUF_LEN);

	/* The area holds its own descriptor: ours can go. */
	close(fd);
	ZC_ASSERT(zc_area_cpu_access_begin(a, ZC_AREA_CPU_READ) == 0, "begin after our close");
	ZC_ASSERT(mem[997] == (uint8_t)(997 * 7 + 3), "memory valid after our close");
	ZC_ASSERT(zc_area_cpu_access_end(a, ZC_AREA_CPU_READ) == 0, "end after our close");
	ZC_ASSERT(zc_area_iova(a, 0, 1) == RTE_BAD_IOVA || info.nb_iova_runs > 0,
		  "an IOVA without runs");

	zc_area_put(a);
	ZC_ASSERT(area_with_id(id) == NULL, "released");
	ZC_ASSERT(nb_open_fds() == fds, "descriptors leaked: %d -> %d", fds, nb_open_fds());
	return 0;
}

static int
test_dmabuf_bad_names(void)
{
	char name[ZC_AREA_NAMESIZE + 1];
	struct zc_area *a;
	int fd, fds;

	if (!have_exporter())
		return ZC_TEST_SKIP;
	fds = nb_open_fds();
	fd = make_dmabuf(DMABUF_LEN);
	ZC_ASSERT(fd >= 0, "dmabuf");
	ZC_ASSERT(expect_fail("NULL name", NULL, fd, EINVAL) == 0, "-");
	ZC_ASSERT(expect_fail("empty name", "", fd, EINVAL) == 0, "-");
	memset(name, 'd', ZC_AREA_NAMESIZE);
	name[ZC_AREA_NAMESIZE] = '\0';
	ZC_ASSERT(expect_fail("long name", name, fd, EINVAL) == 0, "-");
	a = zc_area_create_dmabuf("db_dup", fd, SOCKET_ID_ANY);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	ZC_ASSERT(expect_fail("duplicate name", "db_dup", fd, EEXIST) == 0, "-");
	zc_area_put(a);
	close(fd);
	ZC_ASSERT(nb_open_fds() == fds, "descriptors leaked: %d -> %d", fds, nb_open_fds());
	return 0;
}

static int
test_dmabuf_bind(void)
{
	struct rte_device *dev;
	struct zc_area_info info;
	struct zc_area *a;
	uint16_t id;
	int fd;

	if (!have_exporter())
		return ZC_TEST_SKIP;
	dev = zc_test_vdev_get();
	ZC_ASSERT(dev != NULL, "vdev");
	fd = make_dmabuf(DMABUF_LEN);
	ZC_ASSERT(fd >= 0, "dmabuf");
	a = zc_area_create_dmabuf("db_bind", fd, SOCKET_ID_ANY);
	close(fd);
	ZC_ASSERT(a != NULL, "create: %s", rte_strerror(rte_errno));
	id = zc_area_id(a);
	ZC_ASSERT(zc_area_bind(a, dev) == 0, "bind to a vdev");
	ZC_ASSERT(zc_area_info_get(a, &info) == 0 && info.nb_devices == 1 && info.refcnt == 2,
		  "devices %u refcnt %u", info.nb_devices, info.refcnt);
	zc_area_put(a);
	ZC_ASSERT(area_with_id(id) == a, "binding keeps the area");
	ZC_ASSERT(zc_area_unbind(a, dev) == 0, "unbind");
	ZC_ASSERT(area_with_id(id) == NULL, "released at the last unbind");
	return 0;
}

/*
 * A pool over a dmabuf area: every buffer lies in the area, once; data written
 * through the mbufs (inside CPU access brackets) is the dmabuf's memory, as a
 * mapping of the descriptor of our own shows; the area outlives the pool.
 */
static int
test_dmabuf_pool(void)
{
	const unsigned int n = 256;
	const uint16_t room = RTE_PKTMBUF_HEADROOM + 2048;
	struct rte_mbuf *m[256];
	struct rte_mempool *mp;
	struct zc_area *a;
	uint8_t *base, *own = MAP_FAILED;
	unsigned int i, j;
	int fd, rc = -1;

	if (!have_exporter())
		return ZC_TEST_SKIP;
	fd = make_dmabuf(DMABUF_LEN);
	ZC_ASSERT(fd >= 0, "dmabuf");
	a = zc_area_create_dmabuf("db_pool", fd, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(a != NULL, close_fd, "create: %s", rte_strerror(rte_errno));
	mp = zc_pktmbuf_pool_create("db_pool", n, 0, 0, room, a, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp != NULL, put_area, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(mp, m, n) == 0, free_pool, "take every buffer");
	base = zc_area_addr(a);
	ZC_ASSERT_GOTO(zc_area_cpu_access_begin(a, ZC_AREA_CPU_WRITE) == 0, free_mbufs, "begin");
	for (i = 0; i < n; i++) {
		uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);

		if (d < base || d + 2048 > base + DMABUF_LEN)
			break;
		memset(d, (int)(i & 0xff), 2048);
	}
	ZC_ASSERT_GOTO(zc_area_cpu_access_end(a, ZC_AREA_CPU_WRITE) == 0, free_mbufs, "end");
	ZC_ASSERT_GOTO(i == n, free_mbufs, "buffer %u at %p outside the area", i,
		       rte_pktmbuf_mtod(m[i], void *));
	own = mmap(NULL, DMABUF_LEN, PROT_READ, MAP_SHARED, fd, 0);
	ZC_ASSERT_GOTO(own != MAP_FAILED, free_mbufs, "mmap the dmabuf ourselves");
	/* Buffers do not overlap: each still holds its own pattern. */
	for (i = 0; i < n; i++) {
		size_t off = rte_pktmbuf_mtod(m[i], uint8_t *) - base;

		for (j = 0; j < 2048; j += 511)
			ZC_ASSERT_GOTO(own[off + j] == (uint8_t)i, free_mbufs,
				       "buffer %u byte %u: %#x", i, j, own[off + j]);
	}
	rc = 0;
free_mbufs:
	if (own != MAP_FAILED)
		munmap(own, DMABUF_LEN);
	rte_pktmbuf_free_bulk(m, n);
free_pool:
	rte_mempool_free(mp);
	if (rc == 0 && area_named("db_pool") != a) {
		ZC_TEST_FAIL("area kept", "the pool released its creator's area");
		rc = -1;
	}
put_area:
	zc_area_put(a);
close_fd:
	close(fd);
	return rc;
}

/* The permissions /proc/self/maps gives the mapping that starts at addr ("" if none). */
static void
map_perms(const void *addr, char perms[5])
{
	char line[256];
	uintptr_t lo;
	FILE *f = fopen("/proc/self/maps", "r");

	perms[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%" SCNxPTR "-%*x %4s", &lo, perms) == 2 && lo == (uintptr_t)addr)
			break;
		else
			perms[0] = '\0';
	if (f != NULL)
		fclose(f);
}

/* Whether reading addr kills a child process with SIGSEGV. */
static bool
read_faults(const volatile uint8_t *addr)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL); /* Not a sanitizer's report: the plain fault. */
		(void)*addr;
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
	       WTERMSIG(status) == SIGSEGV;
}

/*
 * Unreadable on purpose, over a dmabuf the CPU could map: the area says it is
 * unreadable, its range faults, CPU access is refused, and a pool over it puts
 * its mbuf headers in host memory and every data buffer in the area, once, without
 * touching one (a touch would kill this program).
 */
static int
test_dmabuf_unreadable(void)
{
	const unsigned int n = 256;
	const uint16_t room = RTE_PKTMBUF_HEADROOM + 2048;
	struct rte_mbuf *m[256];
	struct zc_area_info info;
	struct zc_pool_census c;
	struct rte_mempool *mp = NULL;
	struct zc_area *a;
	char perms[5];
	uint8_t *base;
	static bool seen[DMABUF_LEN / 2048];
	unsigned int i, got = 0;
	int fd, rc = -1;

	if (!have_exporter())
		return ZC_TEST_SKIP;
	fd = make_dmabuf(DMABUF_LEN);
	ZC_ASSERT(fd >= 0, "dmabuf");
	a = zc_area_create_dmabuf_flags("db_unread", fd, SOCKET_ID_ANY, ZC_AREA_DMABUF_F_UNREADABLE);
	ZC_ASSERT_GOTO(a != NULL, close_fd, "create: %s", rte_strerror(rte_errno));
	zc_area_info_get(a, &info);
	base = info.addr;
	ZC_ASSERT_GOTO(!info.readable && !zc_area_readable(a) && info.len == DMABUF_LEN &&
		       strcmp(info.provider, "dmabuf") == 0, put_area,
		       "readable %d, len %zu, provider %s", info.readable, info.len, info.provider);
	map_perms(base, perms);
	ZC_ASSERT_GOTO(strcmp(perms, "---p") == 0, put_area, "the range is mapped '%s', not ---p",
		       perms);
	ZC_ASSERT_GOTO(read_faults(base + DMABUF_LEN / 2), put_area,
		       "reading the area did not fault");
	ZC_ASSERT_GOTO(zc_area_cpu_access_begin(a, ZC_AREA_CPU_READ) == -EPERM, put_area,
		       "CPU access to an unreadable area was allowed");

	mp = zc_pktmbuf_pool_create("db_unread", n, 0, 0, room, a, SOCKET_ID_ANY);
	ZC_ASSERT_GOTO(mp != NULL, put_area, "pool: %s", rte_strerror(rte_errno));
	ZC_ASSERT_GOTO(rte_pktmbuf_alloc_bulk(mp, m, n) == 0, put_area, "take every buffer");
	got = n;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		const uint8_t *hdr = (const uint8_t *)m[i];
		const uint8_t *buf = m[i]->buf_addr;
		size_t off = buf - base;

		ZC_ASSERT_GOTO(hdr + sizeof(*m[i]) <= base || hdr >= base + DMABUF_LEN, put_area,
			       "mbuf %u's header %p is in the area", i, m[i]);
		ZC_ASSERT_GOTO(buf >= base && off + m[i]->buf_len <= DMABUF_LEN &&
			       !seen[off / 2048], put_area, "mbuf %u's buffer at offset %zu", i, off);
		ZC_ASSERT_GOTO(zc_pool_mbuf_area_off(m[i]) ==
			       zc_area_off_make(info.id, off), put_area,
			       "mbuf %u's area offset %#" PRIx64, i, zc_pool_mbuf_area_off(m[i]));
		seen[off / 2048] = true;
	}
	rte_pktmbuf_free_bulk(m, n);
	got = 0;
	ZC_ASSERT_GOTO(zc_pool_census_get(mp, &c) == 0 && c.available == n, put_area,
		       "%u of %u back", c.available, n);
	rc = 0;
put_area:
	rte_pktmbuf_free_bulk(m, got);
	rte_mempool_free(mp);
	zc_area_put(a);
	if (rc == 0 && area_named("db_unread") != NULL) {
		ZC_TEST_FAIL("area released", "the area outlived its last reference");
		rc = -1;
	}
close_fd:
	close(fd);
	return rc;
}

ZC_TEST_MAIN(
	{ "reject_bad_fd", test_reject_bad_fd },
	{ "reject_not_dmabuf", test_reject_not_dmabuf },
	{ "cpu_access_hugepage", test_cpu_access_hugepage },
	{ "cpu_access_user", test_cpu_access_user },
	{ "dmabuf_create", test_dmabuf_create },
	{ "dmabuf_bad_names", test_dmabuf_bad_names },
	{ "dmabuf_bind", test_dmabuf_bind },
	{ "dmabuf_pool", test_dmabuf_pool },
	{ "dmabuf_unreadable", test_dmabuf_unreadable },
)
