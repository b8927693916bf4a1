# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Teardown benchmark (zc-destroy-perf): microseconds per call, median of the runs,
# log scales. Left: against the buffers held, one pool size; right: against the
# area's size, 1000 held. devtools/bench-report.sh runs
#   gnuplot -e "data='FILE'; out='FILE.png'; heading='TITLE'" doc/report/teardown.gp
# FILE: two blocks separated by two blank lines (held axis, then area axis); each
# line tab-separated: x, deferred, forced, unbind, release, then forced and release
# of the "before" build ("-" when there is none), then DPDK's heap zeroing of
# memzones the sizes of the pool's chunks and of the area (zc-destroy-perf's
# reference: what of forced and release grows with memory).

set terminal pngcairo size 1200,520 font ",10" noenhanced
set output out
set datafile separator "\t"
set datafile missing "-"
set logscale xy
set grid
set key below maxrows 2
set ylabel "microseconds per call"
set multiplot layout 1,2 title heading
do for [i = 0:1] {
	set title i == 0 ? "against buffers in flight (one pool)" : "against the area's size (1000 in flight)"
	set xlabel i == 0 ? "buffers held at destroy" : "area MiB (pool sized to it)"
	plot data index i using 1:2 with linespoints title "zc_pool_destroy, deferred", \
	     '' index i using 1:3 with linespoints title "zc_pool_destroy, forced", \
	     '' index i using 1:4 with linespoints title "zc_area_unbind", \
	     '' index i using 1:5 with linespoints title "zc_area_put (release)", \
	     '' index i using 1:6 with linespoints dt 2 title "forced, before", \
	     '' index i using 1:7 with linespoints dt 2 title "release, before", \
	     '' index i using 1:8 with lines dt 3 title "DPDK zeroing, pool's chunks", \
	     '' index i using 1:9 with lines dt 3 title "DPDK zeroing, area"
}
unset multiplot
