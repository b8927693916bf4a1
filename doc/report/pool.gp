# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Pool benchmark: cycles per object (get + put) of zcpool, ring_mp_mc and stack,
# one panel per case (each with its own scale: cross costs ten times cache), bars
# per bulk size, median with min-max error bars. devtools/bench-report.sh runs
#   gnuplot -e "data='FILE'; out='FILE.png'; heading='TITLE'" doc/report/pool.gp
# FILE: blocks separated by two blank lines, in the order cache, driver, cross;
# each line tab-separated: bulk, then median, min, max of zcpool, ring_mp_mc, stack.

set terminal pngcairo size 1200,460 font ",10" noenhanced
set output out
set datafile separator "\t"
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.75 border -1
set yrange [0:*]
set grid ytics
set xlabel "objects per get/put (bulk)"
cases = "cache driver cross"
set multiplot layout 1,3 title heading
do for [i = 0:2] {
	set title sprintf("%s: %s", word(cases, i + 1), \
		i == 0 ? "mempool cache" : i == 1 ? "no cache, one lcore" : "no cache, get and put on two lcores")
	if (i == 0) { set ylabel "cycles per object"; set key top right } else { unset ylabel; unset key }
	plot data index i using 2:3:4:xticlabels(1) title "zcpool", \
	     '' index i using 5:6:7 title "ring_mp_mc", \
	     '' index i using 8:9:10 title "stack"
}
unset multiplot
