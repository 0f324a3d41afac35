#include "textflag.h"

// func scanBlocks(c *byte, n int, m *blockMask) uint64
//
// For each of the n 64-byte blocks at c, the masks of its '=' bytes,
// its ',' and ';' bytes, its ';' bytes and its odd bytes (below 0x21,
// 0x7F, or 0x80 and above), bit i for byte i; returns the XOR of all
// the 8-byte words. AVX2.
//
// Every vector instruction here is VEX-encoded, VMOVQ included: a legacy
// SSE instruction (plain MOVQ between a general register and an X
// register) after a 256-bit one, with the upper halves not yet zeroed,
// costs an AVX-SSE transition, which on some machines (the CI's) made
// this function 10 times slower than the loop it stands for.
TEXT ·scanBlocks(SB), NOSPLIT, $0-32
	MOVQ c+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ m+16(FP), DI
	VPXOR Y15, Y15, Y15
	MOVQ $0x3D3D3D3D, AX
	VMOVQ AX, X8
	VPBROADCASTD X8, Y8
	MOVQ $0x3B3B3B3B, AX
	VMOVQ AX, X9
	VPBROADCASTD X9, Y9
	MOVQ $0x2C2C2C2C, AX
	VMOVQ AX, X10
	VPBROADCASTD X10, Y10
	MOVQ $0x21212121, AX
	VMOVQ AX, X11
	VPBROADCASTD X11, Y11
	MOVQ $0x7F7F7F7F, AX
	VMOVQ AX, X12
	VPBROADCASTD X12, Y12
	TESTQ CX, CX
	JZ done

loop:
	VMOVDQU (SI), Y0
	VMOVDQU 32(SI), Y1
	VPXOR Y0, Y15, Y15
	VPXOR Y1, Y15, Y15

	// '='
	VPCMPEQB Y8, Y0, Y2
	VPCMPEQB Y8, Y1, Y3
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 0(DI)

	// ';', and ',' or ';'
	VPCMPEQB Y9, Y0, Y2
	VPCMPEQB Y9, Y1, Y3
	VPCMPEQB Y10, Y0, Y4
	VPCMPEQB Y10, Y1, Y5
	VPOR Y2, Y4, Y4
	VPOR Y3, Y5, Y5
	VPMOVMSKB Y2, AX
	VPMOVMSKB Y3, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 16(DI)
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 8(DI)

	// odd: 0x21 > b as signed bytes (control, space, >= 0x80), or b == 0x7F
	VPCMPGTB Y0, Y11, Y2
	VPCMPGTB Y1, Y11, Y3
	VPCMPEQB Y12, Y0, Y4
	VPCMPEQB Y12, Y1, Y5
	VPOR Y2, Y4, Y4
	VPOR Y3, Y5, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ $32, BX
	ORQ BX, AX
	MOVQ AX, 24(DI)

	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ loop

done:
	VEXTRACTI128 $1, Y15, X0
	VPXOR X0, X15, X0
	VMOVQ X0, AX
	VPEXTRQ $1, X0, BX
	XORQ BX, AX
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func hasAVX2() bool
TEXT ·hasAVX2(SB), NOSPLIT, $0-1
	// CPUID 1: ECX bit 27 OSXSAVE, bit 28 AVX.
	MOVL $1, AX
	XORL CX, CX
	CPUID
	ANDL $0x18000000, CX
	CMPL CX, $0x18000000
	JNE no
	// The OS saves the YMM registers: XCR0 bits 1 and 2.
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE no
	// CPUID 7.0: EBX bit 5 AVX2.
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL $5, BX
	JCC no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET
