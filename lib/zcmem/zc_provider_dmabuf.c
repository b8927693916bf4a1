/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/magic.h>

#include <rte_dev.h>
#include <rte_errno.h>

#include "zc_area_driver.h"

/*
 * A dmabuf is device memory an exporter lends us. When the exporter lets the CPU
 * map it, the area is readable and CPU access is bracketed with DMA_BUF_IOCTL_SYNC.
 * Otherwise the area is unreadable: its address is a PROT_NONE reservation of the
 * same size, so area offsets stay unique and a stray CPU access faults at once
 * instead of reading garbage.
 */

static void
dmabuf_destroy(struct zc_area *area)
{
	if (area->addr != NULL)
		munmap(area->addr, area->len);
	if (area->fd >= 0)
		close(area->fd);
}

static int
dmabuf_dma_map(struct zc_area *area, struct rte_device *dev)
{
	/* Virtual devices reach memory through the CPU mapping, if any. */
	if (zc_dev_is_vdev(dev))
		return 0;
	ZC_MEM_LOG(ERR, "area %s: mapping a dmabuf for %s's DMA needs a VFIO/iommufd dmabuf import, which this DPDK does not provide\n",
		   area->name, rte_dev_name(dev));
	return -ENOTSUP;
}

static int
dmabuf_cpu_sync(struct zc_area *area, uint32_t flags, bool end)
{
	struct dma_buf_sync sync = {
		.flags = (end ? DMA_BUF_SYNC_END : DMA_BUF_SYNC_START) |
			 ((flags & ZC_AREA_CPU_READ) ? DMA_BUF_SYNC_READ : 0) |
			 ((flags & ZC_AREA_CPU_WRITE) ? DMA_BUF_SYNC_WRITE : 0),
	};
	int ret;

	do {
		ret = ioctl(area->fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret < 0 && (errno == EINTR || errno == EAGAIN));
	return ret < 0 ? -errno : 0;
}

static const struct zc_provider_ops dmabuf_ops = {
	.name = "dmabuf",
	.destroy = dmabuf_destroy,
	.dma_map = dmabuf_dma_map,
	.cpu_sync = dmabuf_cpu_sync,
};

/* 0, or a positive errno with the reason logged. */
static int
check_dmabuf(const char *name, int fd, off_t *size)
{
	const char *n = name != NULL ? name : "(null)"; /* Names are checked later. */
	struct statfs fs;

	if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
		ZC_MEM_LOG(ERR, "dmabuf area %s: %d is not an open file descriptor\n", n, fd);
		return EBADF;
	}
	/* A failed fstatfs leaves fs unset: report its errno, not an f_type. */
	if (fstatfs(fd, &fs) < 0) {
		int err = errno;

		ZC_MEM_LOG(ERR, "dmabuf area %s: fd %d: fstatfs: %s\n", n, fd, strerror(err));
		return err;
	}
	if (fs.f_type != DMA_BUF_MAGIC) {
		ZC_MEM_LOG(ERR, "dmabuf area %s: fd %d is not a dmabuf (filesystem magic %#lx); pass a buffer exported by a device driver, a dma-heap or udmabuf\n",
			   n, fd, (unsigned long)fs.f_type);
		return ENOTTY;
	}
	*size = lseek(fd, 0, SEEK_END);
	if (*size <= 0) {
		ZC_MEM_LOG(ERR, "dmabuf area %s: fd %d has no size\n", n, fd);
		return EINVAL;
	}
	lseek(fd, 0, SEEK_SET);
	return 0;
}

struct zc_area *
zc_area_create_dmabuf_flags(const char *name, int fd, int socket_id, uint32_t flags)
{
	struct zc_area *area;
	off_t size = 0;
	int err;

	if ((flags & ~ZC_AREA_DMABUF_F_UNREADABLE) != 0) {
		ZC_MEM_LOG(ERR, "dmabuf area %s: unknown flags %#x; pass 0 or ZC_AREA_DMABUF_F_UNREADABLE\n",
			   name != NULL ? name : "(null)", flags);
		rte_errno = EINVAL;
		return NULL;
	}
	err = check_dmabuf(name, fd, &size);
	if (err != 0) {
		rte_errno = err;
		return NULL;
	}
	area = zc_area_alloc(name, &dmabuf_ops);
	if (area == NULL)
		return NULL;
	area->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (area->fd < 0) {
		err = errno;
		goto err_free;
	}
	area->len = size;
	area->page_sz = sysconf(_SC_PAGESIZE);
	area->socket_id = socket_id;
	area->addr = MAP_FAILED;
	if ((flags & ZC_AREA_DMABUF_F_UNREADABLE) == 0)
		area->addr = mmap(NULL, area->len, PROT_READ | PROT_WRITE, MAP_SHARED, area->fd, 0);
	area->readable = area->addr != MAP_FAILED;
	if (!area->readable) {
		if (flags & ZC_AREA_DMABUF_F_UNREADABLE)
			ZC_MEM_LOG(INFO, "area %s: unreadable, as asked\n", name);
		else
			ZC_MEM_LOG(INFO, "area %s: the exporter refuses a CPU mapping (%s); the area is unreadable\n",
				   name, strerror(errno));
		area->addr = mmap(NULL, area->len, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (area->addr == MAP_FAILED) {
			err = errno;
			goto err_close;
		}
	}
	err = -zc_area_publish(area);
	if (err != 0)
		goto err_munmap;
	return area;

err_munmap:
	munmap(area->addr, area->len);
err_close:
	close(area->fd);
err_free:
	zc_area_free_unpublished(area);
	rte_errno = err;
	return NULL;
}

struct zc_area *
zc_area_create_dmabuf(const char *name, int fd, int socket_id)
{
	return zc_area_create_dmabuf_flags(name, fd, socket_id, 0);
}
