#!/bin/sh
# Regenerates the font subsets the label artwork outlines its text from
# (crates/server/assets/fonts). Needs Debian's fonts-dejavu-core and
# fontTools (`pip install fonttools`). The subsets keep only the characters
# a label prints: capital letters, digits and a little punctuation.
set -eu
out="$(dirname "$0")/../../crates/server/assets/fonts"
chars='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-./: '
for f in DejaVuSans-Bold DejaVuSansMono-Bold; do
    pyftsubset "/usr/share/fonts/truetype/dejavu/$f.ttf" --text="$chars" \
        --no-hinting --desubroutinize --drop-tables+=GPOS,GSUB,kern \
        --output-file="$out/$f-subset.ttf"
done
