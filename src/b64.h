/*
 * b64.h - base64 (RFC 4648) encode/decode, no Lua.
 */
#ifndef OC_B64_H
#define OC_B64_H

#include <stddef.h>

/* Bytes needed to encode n bytes (with padding), excluding a NUL. */
size_t oc_b64_encoded_len(size_t n);
/* Encode n bytes of src into dst (>= oc_b64_encoded_len(n) bytes).
   url != 0 uses the URL-safe alphabet without padding. Returns bytes
   written. */
size_t oc_b64_encode(const unsigned char *src, size_t n, char *dst, int url);
/* Upper bound of decoded size for n input chars. */
size_t oc_b64_decoded_max(size_t n);
/* Decode n chars of src into dst. Accepts the standard and URL-safe
   alphabets, optional '=' padding, and ignores ASCII whitespace (\r\n\t
   and space). Returns the number of bytes written, or (size_t)-1 on an
   invalid character, bad padding or impossible length. */
size_t oc_b64_decode(const char *src, size_t n, unsigned char *dst);

#endif
