/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_TEST_DMABUF_H
#define ZC_TEST_DMABUF_H

/* dmabufs for tests, from the exporters the kernel may offer. */

#include <fcntl.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/udmabuf.h>

/*
 * A udmabuf of len bytes (a multiple of the page size) over a sealed memfd, or
 * -1. The memfd is closed again: the dmabuf holds its pages.
 */
static inline int
zc_test_udmabuf(size_t len)
{
	int dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC), memfd, fd = -1;
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = len };

	if (dev < 0)
		return -1;
	memfd = memfd_create("zc_test_udmabuf", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (memfd >= 0 && ftruncate(memfd, len) == 0 &&
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) == 0) {
		c.memfd = memfd;
		fd = ioctl(dev, UDMABUF_CREATE, &c);
	}
	if (memfd >= 0)
		close(memfd);
	close(dev);
	return fd;
}

#endif /* ZC_TEST_DMABUF_H */
