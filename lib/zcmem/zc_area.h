/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The zcrx-dpdk authors
 */

#ifndef ZC_AREA_H
#define ZC_AREA_H

/**
 * @file
 * Memory areas and the providers behind them.
 *
 * An *area* is one virtually contiguous span of buffer memory, registered whole
 * (a PMD turns it into one AF_XDP UMEM, a DMA-capable device gets one mapping per
 * IOVA-contiguous run). Each area has a provider that supplies the memory:
 *
 * - **hugepage**: DPDK's hugepage heap, socket-aware, IOVA-contiguous where possible;
 * - **user**: memory the application owns and registers;
 * - **dmabuf**: a dmabuf file descriptor, possibly not readable by the CPU.
 *
 * Areas are reference counted: the creator holds one reference, every pool carved
 * from the area and every device bound to it holds one more, and so does every
 * lookup (zc_area_get_by_id(), zc_area_get_by_name()) until its zc_area_put(). The
 * memory is released when the last reference drops, so buffers stay valid while
 * anything uses them. Every function taking an area needs a reference held on it.
 *
 * Every area has a 16-bit id. A buffer is named across the project by a 64-bit
 * *area offset* `(id << ZC_AREA_ID_SHIFT) | offset`, as io_uring zcrx names buffers.
 *
 * @warning Areas live in the primary process; they are not shared with secondary
 * processes. Every function is thread-safe. Creation, lookup, release, carving,
 * binding, zc_area_info_get() and zc_area_walk() take mutexes and may sleep (a
 * bind waits for the device's DMA mapping): they are control-path calls, not for
 * the datapath. zc_area_get(), zc_area_id(), zc_area_addr(), zc_area_readable()
 * and zc_area_iova() take no lock.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_device;

/** Opaque area handle. */
struct zc_area;

/** Bit position of the area id in a 64-bit area offset (as IORING_ZCRX_AREA_SHIFT). */
#define ZC_AREA_ID_SHIFT 48
/** Mask of the in-area byte offset in a 64-bit area offset. */
#define ZC_AREA_OFF_MASK ((UINT64_C(1) << ZC_AREA_ID_SHIFT) - 1)
/** Largest number of areas that may exist at once. */
#define ZC_AREA_MAX 1024
/** Longest area name, including the terminating NUL. */
#define ZC_AREA_NAMESIZE 32

/** Build a 64-bit area offset from an area id and a byte offset. */
static inline uint64_t
zc_area_off_make(uint16_t id, uint64_t off)
{
	return ((uint64_t)id << ZC_AREA_ID_SHIFT) | (off & ZC_AREA_OFF_MASK);
}

/** Area id of a 64-bit area offset. */
static inline uint16_t
zc_area_off_id(uint64_t area_off)
{
	return (uint16_t)(area_off >> ZC_AREA_ID_SHIFT);
}

/** Byte offset within the area of a 64-bit area offset. */
static inline uint64_t
zc_area_off_bytes(uint64_t area_off)
{
	return area_off & ZC_AREA_OFF_MASK;
}

/** What an application can learn about an area. */
struct zc_area_info {
	char name[ZC_AREA_NAMESIZE]; /**< Name given at creation. */
	const char *provider; /**< "hugepage", "user", "dmabuf", or "mempool" (memory a
			       * zero-config zcpool pool owns). */
	uint16_t id;          /**< Id used in 64-bit area offsets. */
	bool readable;        /**< Whether the CPU may read and write the memory. */
	int socket_id;        /**< NUMA socket of the memory (SOCKET_ID_ANY if unknown). */
	void *addr;           /**< Start address. For an unreadable area a reserved
			       * address range that faults on access, so offsets stay unique. */
	size_t len;           /**< Length in bytes. */
	size_t page_sz;       /**< Page size of the backing memory. */
	unsigned int nb_iova_runs; /**< IOVA-contiguous runs (0: no IOVA known). */
	unsigned int refcnt;  /**< References held (creator, pools, devices). */
	unsigned int nb_devices; /**< Devices the area is bound to (DPDK devices, verbs PDs). */
	size_t carved;        /**< Bytes currently carved out for pools. */
	/**
	 * DMA mappings the provider made for DPDK devices (zc_area_bind()) over the
	 * area's life: one per device, on its first bind, whatever the number of
	 * IOVA runs and of binds (a virtual device, which does not DMA, counts as
	 * mapped). A hugepage area makes none: EAL maps its heap for every
	 * DMA-capable device already. Verbs bindings (zc_area_verbs.h) do not count.
	 */
	unsigned int nb_dma_maps;
	/**
	 * DMA mappings the provider undid over the area's life: one on each device's
	 * last zc_area_unbind(), none for an unmapping that failed.
	 */
	unsigned int nb_dma_unmaps;
};

/**
 * Create an area over DPDK hugepage memory.
 *
 * The memory is one memzone on @p socket_id, IOVA-contiguous when the heap allows,
 * otherwise page-wise contiguous (each page's IOVA is recorded).
 *
 * @param name
 *   Unique area name (at most ZC_AREA_NAMESIZE - 1 characters).
 * @param len
 *   Length in bytes, > 0; rounded up to the page size.
 * @param socket_id
 *   NUMA socket, or SOCKET_ID_ANY.
 * @return
 *   The area with one reference held by the caller, or NULL with rte_errno set:
 *   EINVAL (bad name or length), EEXIST (name in use), ENOSPC (ZC_AREA_MAX areas
 *   exist), ENOMEM (not enough hugepage memory).
 */
struct zc_area *zc_area_create_hugepage(const char *name, size_t len, int socket_id);

/** Parameters of zc_area_create_user(). */
struct zc_area_user_params {
	void *addr;        /**< Start of the application's memory, page aligned. */
	size_t len;        /**< Length, a non-zero multiple of page_sz. */
	size_t page_sz;    /**< Page size of the memory (a power of two, >= system page). */
	/**
	 * IOVA of each page (len / page_sz entries), or NULL: then IOVA = VA when EAL
	 * runs in IOVA-as-VA mode, and no IOVA otherwise (devices that need one refuse
	 * to bind).
	 */
	const rte_iova_t *iova;
	int socket_id;     /**< NUMA socket of the memory, or SOCKET_ID_ANY. */
};

/**
 * Create an area over memory the application owns.
 *
 * The memory is registered with rte_extmem_register() and mapped for DMA on each
 * device the area is bound to. The application keeps ownership: it must not unmap
 * the memory before the area's last reference drops.
 *
 * The overlap checks and the registration are one step under the registry lock:
 * of two threads creating overlapping areas at once, exactly one succeeds.
 *
 * @return
 *   The area with one reference held by the caller, or NULL with rte_errno set:
 *   EINVAL (NULL or unaligned address, zero or unaligned length, bad page size),
 *   EFAULT (the range is not mapped), EEXIST (name in use, or the range overlaps
 *   an area or other registered external memory), ENOSPC (too many areas),
 *   ENOMEM, or rte_extmem_register()'s error.
 */
struct zc_area *zc_area_create_user(const char *name, const struct zc_area_user_params *p);

/**
 * Create an area over a dmabuf.
 *
 * The file descriptor is duplicated; the caller may close its own. The buffer is
 * mapped for the CPU when its exporter allows; otherwise the area is created
 * *unreadable*: zc_area_info::readable is false and only devices that accept
 * unreadable memory may use it.
 *
 * @return
 *   The area with one reference held by the caller, or NULL with rte_errno set:
 *   EBADF (not an open file descriptor), ENOTTY (the descriptor is not a dmabuf,
 *   e.g. a memfd or a regular file), EINVAL (empty buffer), EEXIST, ENOSPC.
 */
struct zc_area *zc_area_create_dmabuf(const char *name, int fd, int socket_id);

/**
 * zc_area_create_dmabuf_flags(): never map the buffer for the CPU, even where the
 * exporter allows it. The area is unreadable as if the exporter had refused: for
 * device memory the CPU must not touch (slow across the bus, or the payload is
 * the device's alone), and to prove that no path reads an unreadable area.
 */
#define ZC_AREA_DMABUF_F_UNREADABLE (1u << 0)

/**
 * Create an area over a dmabuf, as zc_area_create_dmabuf() does, with flags.
 *
 * @param flags
 *   0 or ZC_AREA_DMABUF_F_UNREADABLE.
 * @return
 *   As zc_area_create_dmabuf(); EINVAL also for an unknown flag.
 */
struct zc_area *zc_area_create_dmabuf_flags(const char *name, int fd, int socket_id,
					    uint32_t flags);

/**
 * Take one more reference on an area.
 *
 * @param area
 *   An area the caller already holds a reference on (to find one by id or name,
 *   use zc_area_get_by_id() or zc_area_get_by_name(), which take it).
 */
void zc_area_get(struct zc_area *area);

/**
 * Drop a reference. The last one unpublishes the area (its id and name are free
 * again, lookups no longer find it) and releases the memory through the provider.
 *
 * @param area
 *   An area the caller holds a reference on, or NULL (ignored).
 */
void zc_area_put(struct zc_area *area);

/**
 * Find an area by id and take a reference on it.
 *
 * The reference is taken under the registry lock, so the area cannot be released
 * between the lookup and the reference.
 *
 * @param id
 *   An area id (zc_area_info::id, zc_area_off_id()).
 * @return
 *   The area, with one reference the caller must drop with zc_area_put(), or NULL
 *   with rte_errno = ENOENT (id 0, id > ZC_AREA_MAX, or no area has that id).
 */
struct zc_area *zc_area_get_by_id(uint16_t id);

/**
 * Find an area by name and take a reference on it, as zc_area_get_by_id().
 *
 * @param name
 *   The name given at creation.
 * @return
 *   The area, with one reference the caller must drop with zc_area_put(), or NULL
 *   with rte_errno = ENOENT (@p name is NULL, or no area has that name).
 */
struct zc_area *zc_area_get_by_name(const char *name);

/**
 * Describe an area.
 *
 * @return
 *   0, or -EINVAL if an argument is NULL.
 */
int zc_area_info_get(const struct zc_area *area, struct zc_area_info *info);

/**
 * Id of an area (for 64-bit area offsets).
 */
uint16_t zc_area_id(const struct zc_area *area);

/**
 * Start address of an area (see zc_area_info::addr).
 */
void *zc_area_addr(const struct zc_area *area);

/**
 * Whether the CPU may read an area.
 */
bool zc_area_readable(const struct zc_area *area);

/**
 * IOVA of a byte range of an area.
 *
 * @return
 *   The IOVA of @p off, or RTE_BAD_IOVA if the area has no IOVA, the range is out
 *   of bounds or crosses an IOVA discontinuity.
 */
rte_iova_t zc_area_iova(const struct zc_area *area, uint64_t off, size_t len);

/**
 * Carve a span out of an area for one consumer (a pool).
 *
 * Spans never overlap; a carved span holds a reference on the area until it is
 * returned with zc_area_uncarve().
 *
 * @param align
 *   Alignment of the span offset, a power of two (0 means cache line).
 * @param[out] off
 *   Offset of the span within the area.
 * @return
 *   0, -EINVAL (bad length or alignment), or -ENOSPC (no free span that large).
 */
int zc_area_carve(struct zc_area *area, size_t len, size_t align, uint64_t *off);

/**
 * Return a span obtained from zc_area_carve() and drop its reference.
 *
 * @return
 *   0, or -ENOENT if no span starts at @p off.
 */
int zc_area_uncarve(struct zc_area *area, uint64_t off);

/**
 * Bind an area to a device: map it for the device's DMA.
 *
 * The mapping is one operation per IOVA-contiguous run of the area (one for an
 * IOVA-contiguous area), never per buffer. Binding a device twice only counts;
 * each bind needs its unbind. A binding holds a reference on the area. RDMA
 * devices bind through zc_area_verbs_bind() (zc_area_verbs.h) instead.
 *
 * @return
 *   0, -EINVAL (NULL argument), -ENOMEM, -ENOTSUP (the provider cannot map this
 *   area for this device, e.g. a dmabuf on a non-VFIO device), or the device's
 *   mapping error (negative).
 * @warning
 *   Sleeps until the device's mapping completes (a VFIO mapping pins every page).
 *   Meanwhile other threads' carving, binding, unbinding and zc_area_info_get() of
 *   the same area wait (asleep); calls on other areas do not.
 */
int zc_area_bind(struct zc_area *area, struct rte_device *dev);

/**
 * Undo one zc_area_bind(); the last one unmaps the area from the device.
 *
 * @return
 *   0, or -ENOENT if the area is not bound to @p dev.
 */
int zc_area_unbind(struct zc_area *area, struct rte_device *dev);

/** Flags of zc_area_cpu_access_begin() / zc_area_cpu_access_end(). */
#define ZC_AREA_CPU_READ  RTE_BIT32(0) /**< The CPU reads the memory. */
#define ZC_AREA_CPU_WRITE RTE_BIT32(1) /**< The CPU writes the memory. */

/**
 * Bracket CPU access to an area's memory (begin).
 *
 * Needed for dmabuf areas, whose exporter may have to flush or invalidate caches
 * (DMA_BUF_IOCTL_SYNC); a no-op for other providers.
 *
 * @return
 *   0, -EPERM if the area is not readable, or the exporter's error.
 */
int zc_area_cpu_access_begin(struct zc_area *area, uint32_t flags);

/**
 * Bracket CPU access to an area's memory (end); see zc_area_cpu_access_begin().
 */
int zc_area_cpu_access_end(struct zc_area *area, uint32_t flags);

/**
 * Call @p fn for each area, in id order.
 *
 * The walk holds a reference on the area, and no lock, while @p fn runs: @p fn
 * may call any function of this API, including creating and releasing areas.
 * Areas created or released during the walk may or may not be visited.
 *
 * @return
 *   0 after visiting every area, the first non-zero value @p fn returned (the
 *   walk stops there), or -EINVAL if @p fn is NULL.
 */
int zc_area_walk(int (*fn)(const struct zc_area *area, void *arg), void *arg);

#ifdef __cplusplus
}
#endif

#endif /* ZC_AREA_H */
