#!/bin/sh
# Writes a C file defining "const char NAME[]" with the bytes of FILE (NUL
# terminated) and "const unsigned long NAME_len". Used to compile the
# schema into fwc. A byte array, since ISO C limits string literals.
set -eu
name=$1
file=$2
printf '/* Generated from %s by tools/embed.sh; do not edit. */\n' "$file"
printf 'extern const char %s[];\nextern const unsigned long %s_len;\n' "$name" "$name"
printf 'const char %s[] = {\n' "$name"
od -An -v -tu1 "$file" | sed -e 's/^ *//' -e 's/  */, /g' -e 's/$/,/'
printf '0 };\nconst unsigned long %s_len = sizeof(%s) - 1;\n' "$name" "$name"
