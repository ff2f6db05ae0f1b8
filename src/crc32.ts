// CRC-32 (IEEE 802.3, zlib's and zip's): catches every 1-3 bit error and every burst up to 32
// bits, and any other damage but one time in 2^32. Not a defence against a crafted file (anyone
// can recompute it). NOTE: a dozen lines rather than a dependency: zlib.crc32 is Node-only and
// this runs in browsers too; tests check it against zlib's on random inputs.
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of the bytes of `parts` in order (or of one array), as an unsigned 32-bit number. */
export function crc32(parts: Uint8Array | Uint8Array[]): number {
  let c = -1;
  for (const b of parts instanceof Uint8Array ? [parts] : parts) for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
