#!/usr/bin/env bats
# .mh_sequences shared with the real nmh (Debian's /usr/bin/mh): nmh reads
# what mh_seq writes, mh_seq reads what nmh writes, and an nmh `mark` loop
# running against an mh_seq update loop on the same folder loses no update
# of either side.  mh_seq is driven through build/t/test_mh_seq_tool.
load lib/mhseq_common

setup() { mhseq_setup; }
teardown() { mhseq_teardown; }

@test "nmh reads what mh_seq writes: mark -list, pick, scan, mhpath" {
	tool add "$F" flagged 2 4
	tool add "$F" flagged 7
	tool add "$F" '$Forwarded' 3
	tool add "$F" unseen 1 10
	tool remove "$F" unseen 5
	tool add "$F" cur 6
	expect_text "$F/.mh_sequences" 'cur: 6
flagged: 2-4 7
$Forwarded: 3
unseen: 1-4 6-10'
	run mh mark +f -list -sequence flagged
	[ "$status" -eq 0 ]
	[ "$output" = "flagged: 2-4 7" ]
	run mh pick +f flagged
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "2 3 4 7" ]
	run mh pick +f unseen
	[ "$(echo $output)" = "1 2 3 4 6 7 8 9 10" ]
	run mh scan +f flagged -format '%(msg)'
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "2 3 4 7" ]
	run mh mhpath +f cur
	[ "$output" = "$F/6" ]
	# ... and nmh's next write keeps what we wrote
	mh mark +f 9 -sequence flagged -add
	expect_text "$F/.mh_sequences" 'cur: 6
flagged: 2-4 7 9
$Forwarded: 3
unseen: 1-4 6-10'
}

@test "mh_seq reads what nmh writes, and keeps lines nmh does not know" {
	mh mark +f 1-3 5 -sequence x -add
	mh mark +f 2 -sequence x -delete
	run tool show "$F" x
	[ "$(echo $output)" = "1 3 5" ]
	printf 'x: 1 3 5\nfoo bar: 2\n' >"$F/.mh_sequences"
	tool add "$F" x 4
	expect_text "$F/.mh_sequences" 'x: 1 3-5
foo bar: 2'
	run mh pick +f x
	[ "$(echo $output)" = "1 3 4 5" ]
}

@test "ENABLE_MH_FILE_LOCKING=false: no lock, still written whole" {
	mh mark +f 1 -sequence a -add
	ENABLE_MH_FILE_LOCKING=false tool add "$F" b 2
	expect_text "$F/.mh_sequences" 'a: 1
b: 2'
	run mh pick +f b
	[ "$output" = "2" ]
}

@test "every nmh command refuses the text left in a replaced .mh_sequences" {
	# mh_seq.h, step 5: an nmh command that locked the old inode after our
	# rename must fail before it writes, not write into the orphan
	tool add "$F" unseen 1 5
	tool poison >"$F/.mh_sequences"
	cp "$F/.mh_sequences" "$W/poison"
	local cmd
	for cmd in "mark +f 3 -sequence x -add" "mark +f -list" "scan +f" "pick +f unseen" \
		"show +f 2 -showproc cat" "rmm +f 4" "refile +f 5 -src +f" "sortm +f" \
		"folder +f -pack" "mhpath +f unseen"; do
		run mh $cmd
		echo "$cmd: $status $output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"no blank lines are permitted"* ]]
		cmp "$F/.mh_sequences" "$W/poison"
	done
	[ -e "$F/4" ]
	[ -e "$F/5" ]
}

@test "a concurrent nmh mark loop and mh_seq update loop lose no update" {
	local n=$MHSEQ_MESSAGES secs=${MHSEQ_SECONDS:-5}
	tool add "$F" keep 1 "$n"
	tool add "$F" nmhdel 1 "$n"
	tool add "$F" ourdel 1 "$n"
	# nmh: for each number, add it to nmhadd and remove it from nmhdel;
	# the number is logged when both marks succeeded
	(
		end=$((SECONDS + secs)) i=1
		while [ $SECONDS -lt $end ] && [ $i -le $n ]; do
			if mh mark +f $i -sequence nmhadd -add 2>>"$W/nmh.err" &&
				mh mark +f $i -sequence nmhdel -delete 2>>"$W/nmh.err"; then
				echo $i >>"$W/nmh.log"
			fi
			i=$((i + 1))
		done
	) &
	local nmh_pid=$!
	# us: one update per number does both, a few ms apart
	tool loop "$F" ouradd ourdel 1 "$n" 3 "$secs" "$W/our.log"
	wait $nmh_pid
	local nmh_done our_done
	touch "$W/nmh.log" "$W/nmh.err"
	nmh_done=$(wc -l <"$W/nmh.log")
	our_done=$(wc -l <"$W/our.log")
	echo "# nmh: $nmh_done updates, $(cat "$W/nmh.err" | wc -l) error lines; ours: $our_done" >&3
	if [ -s "$W/nmh.err" ]; then sort "$W/nmh.err" | uniq -c | sed 's/^/# /' >&3; fi

	# every update of both sides is there, as mh_seq and as nmh read them
	tool show "$F" nmhadd >"$W/nmhadd"
	tool show "$F" nmhdel >"$W/nmhdel"
	tool show "$F" ouradd >"$W/ouradd"
	tool show "$F" ourdel >"$W/ourdel"
	mh pick +f ouradd >"$W/ouradd.nmh"
	mh pick +f nmhadd >"$W/nmhadd.nmh"
	contains_all "$W/nmhadd" "$W/nmh.log"
	contains_none "$W/nmhdel" "$W/nmh.log"
	contains_all "$W/ouradd" "$W/our.log"
	contains_none "$W/ourdel" "$W/our.log"
	contains_all "$W/ouradd.nmh" "$W/our.log"
	contains_all "$W/nmhadd.nmh" "$W/nmh.log"
	# and nothing more: each side's sets are exactly what it did
	[ "$(sort -n "$W/ouradd")" = "$(sort -n "$W/our.log")" ]
	[ "$(wc -l <"$W/ourdel")" -eq $((n - our_done)) ]
	[ "$(wc -l <"$W/nmhdel")" -eq $((n - nmh_done)) ]
	run tool show "$F" keep
	[ "$(echo "$output" | wc -l)" -eq "$n" ]
	# and both sides did enough for this to mean something
	[ "$nmh_done" -ge 5 ]
	[ "$our_done" -ge 20 ]
}
