# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The zcrx-dpdk authors
#
# Forwarded Mpps per row of the forwarding comparison: median bars, min-max
# error bars, one colour per DUT. devtools/bench-report.sh runs
#   gnuplot -e "data='FILE'; out='FILE.png'; heading='TITLE'" doc/report/forwarding.gp
# FILE: one row per line, tab-separated: label (\n for a line break), median,
# min, max, colour index; no data for a row: median, min and max are 0.

set terminal pngcairo size 1000,560 font ",10" noenhanced
set output out
set datafile separator "\t"
set title heading
set ylabel "forwarded Mpps (received by the sink namespace's veth)"
set yrange [0:*]
stats data using 2 nooutput
set xrange [-0.6:STATS_records - 0.4]
set bmargin 6
set grid ytics
set style fill solid 0.75 border -1
set boxwidth 0.7
unset key
# boxerrorbars: x y ylow yhigh width, then the colour.
plot data using 0:2:3:4:(0.7):5:xticlabels(stringcolumn(1)) with boxerrorbars lc variable, \
     data using 0:4:($2 > 0 ? sprintf("%.3f", $2) : "no data") with labels offset 0,0.8 notitle
