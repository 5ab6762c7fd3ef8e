/* A stand-in for a vendor's licensed WLT decoder, for the kiosk's tests only: it exports
 * the `unpack` function of card-io's idcard/wlt.rs contract, but "decodes" a test format,
 * not WLT:
 *
 *   bytes 0-3  "KWLT"
 *   byte  4    width W, byte 5 height H (W * H <= 1016)
 *   byte  6    flags: bit 0 set = answer "not licensed" (-5)
 *   byte  7    reserved (0)
 *   bytes 8-   W * H grey levels, rows top to bottom; the rest of the 1024 bytes is ignored
 *
 * The picture is enlarged to 102x126 (nearest neighbour) and written as a 24-bit bitmap.
 * Built by card-io/tests/wlt_library.rs with the system C compiler; with -DNO_UNPACK it
 * exports another name instead (the "missing symbol" case). */

#include <string.h>

#define OUT_W 102
#define OUT_H 126
#define ROW 308 /* 102 * 3 = 306, padded to a multiple of 4 */

static void put32(unsigned char *p, unsigned int v) {
    p[0] = v & 0xff;
    p[1] = (v >> 8) & 0xff;
    p[2] = (v >> 16) & 0xff;
    p[3] = (v >> 24) & 0xff;
}

#ifdef NO_UNPACK
int unpack_v2(const unsigned char *wlt, unsigned char *bmp, int save)
#else
int unpack(const unsigned char *wlt, unsigned char *bmp, int save)
#endif
{
    if (wlt == 0 || bmp == 0 || save != 0)
        return 0;
    if (memcmp(wlt, "KWLT", 4) != 0)
        return -4;
    if (wlt[6] & 1)
        return -5;
    int w = wlt[4], h = wlt[5];
    if (w == 0 || h == 0 || w * h > 1016)
        return -1;
    memset(bmp, 0, 54);
    bmp[0] = 'B';
    bmp[1] = 'M';
    put32(bmp + 2, 54 + ROW * OUT_H);
    put32(bmp + 10, 54);
    put32(bmp + 14, 40);
    put32(bmp + 18, OUT_W);
    put32(bmp + 22, OUT_H); /* positive: rows bottom-up */
    bmp[26] = 1;
    bmp[28] = 24;
    put32(bmp + 34, ROW * OUT_H);
    for (int y = 0; y < OUT_H; y++) {
        unsigned char *row = bmp + 54 + (OUT_H - 1 - y) * ROW;
        int sy = y * h / OUT_H;
        for (int x = 0; x < OUT_W; x++) {
            unsigned char g = wlt[8 + sy * w + x * w / OUT_W];
            row[3 * x] = g;
            row[3 * x + 1] = g;
            row[3 * x + 2] = g;
        }
        row[306] = row[307] = 0;
    }
    return 1;
}
