//go:build amd64 && gc && !purego

#include "textflag.h"

// Micro-kernels of gemm (gemm.go). Each computes one tile of C from a
// packed A micro-panel (kc steps of mr floats, broadcast one at a time) and
// a packed B micro-panel (kc steps of nr floats, loaded as vectors), sums
// the kc products from zero in k order with FMAs, and then sets
// c = alpha·acc + beta·c (one FMA per element), or c = alpha·acc without
// reading c when beta is ±0. Edge tiles (fewer rows or columns) run the
// same arithmetic with masked loads and stores, so every element of C gets
// the same bits whichever tile computes it.

// Columns masks for the AVX2 kernel: 16 set lanes, then 16 clear; the
// mask for cols columns starts at lane 16-cols.

DATA avx2mask<>+0(SB)/4, $0xffffffff
DATA avx2mask<>+4(SB)/4, $0xffffffff
DATA avx2mask<>+8(SB)/4, $0xffffffff
DATA avx2mask<>+12(SB)/4, $0xffffffff
DATA avx2mask<>+16(SB)/4, $0xffffffff
DATA avx2mask<>+20(SB)/4, $0xffffffff
DATA avx2mask<>+24(SB)/4, $0xffffffff
DATA avx2mask<>+28(SB)/4, $0xffffffff
DATA avx2mask<>+32(SB)/4, $0xffffffff
DATA avx2mask<>+36(SB)/4, $0xffffffff
DATA avx2mask<>+40(SB)/4, $0xffffffff
DATA avx2mask<>+44(SB)/4, $0xffffffff
DATA avx2mask<>+48(SB)/4, $0xffffffff
DATA avx2mask<>+52(SB)/4, $0xffffffff
DATA avx2mask<>+56(SB)/4, $0xffffffff
DATA avx2mask<>+60(SB)/4, $0xffffffff
DATA avx2mask<>+64(SB)/4, $0x00000000
DATA avx2mask<>+68(SB)/4, $0x00000000
DATA avx2mask<>+72(SB)/4, $0x00000000
DATA avx2mask<>+76(SB)/4, $0x00000000
DATA avx2mask<>+80(SB)/4, $0x00000000
DATA avx2mask<>+84(SB)/4, $0x00000000
DATA avx2mask<>+88(SB)/4, $0x00000000
DATA avx2mask<>+92(SB)/4, $0x00000000
DATA avx2mask<>+96(SB)/4, $0x00000000
DATA avx2mask<>+100(SB)/4, $0x00000000
DATA avx2mask<>+104(SB)/4, $0x00000000
DATA avx2mask<>+108(SB)/4, $0x00000000
DATA avx2mask<>+112(SB)/4, $0x00000000
DATA avx2mask<>+116(SB)/4, $0x00000000
DATA avx2mask<>+120(SB)/4, $0x00000000
DATA avx2mask<>+124(SB)/4, $0x00000000
GLOBL avx2mask<>(SB), RODATA|NOPTR, $128

// AVX2STEP is one k step of the 6×16 kernel: B vectors in Y0, Y1, A values
// broadcast into Y2 and Y3 in turn, accumulators Y4..Y15 (row r in Y(4+2r),
// Y(5+2r)); ao and bo are the byte offsets of the step in the panels.
#define AVX2STEP(ao, bo) \
	VMOVUPS bo(BX), Y0; \
	VMOVUPS bo+32(BX), Y1; \
	VBROADCASTSS ao+0(AX), Y2; \
	VFMADD231PS Y0, Y2, Y4; \
	VFMADD231PS Y1, Y2, Y5; \
	VBROADCASTSS ao+4(AX), Y3; \
	VFMADD231PS Y0, Y3, Y6; \
	VFMADD231PS Y1, Y3, Y7; \
	VBROADCASTSS ao+8(AX), Y2; \
	VFMADD231PS Y0, Y2, Y8; \
	VFMADD231PS Y1, Y2, Y9; \
	VBROADCASTSS ao+12(AX), Y3; \
	VFMADD231PS Y0, Y3, Y10; \
	VFMADD231PS Y1, Y3, Y11; \
	VBROADCASTSS ao+16(AX), Y2; \
	VFMADD231PS Y0, Y2, Y12; \
	VFMADD231PS Y1, Y2, Y13; \
	VBROADCASTSS ao+20(AX), Y3; \
	VFMADD231PS Y0, Y3, Y14; \
	VFMADD231PS Y1, Y3, Y15

// Row updates of the AVX2 kernel's epilogue, DI at the row of C, beta in
// Y1, column masks in Y2 and Y3.
#define AVX2ROW(r0, r1) \
	VFMADD231PS (DI), Y1, r0; \
	VFMADD231PS 32(DI), Y1, r1; \
	VMOVUPS r0, (DI); \
	VMOVUPS r1, 32(DI)
#define AVX2ROW0(r0, r1) \
	VMOVUPS r0, (DI); \
	VMOVUPS r1, 32(DI)
#define AVX2MROW(r0, r1) \
	VMASKMOVPS (DI), Y2, Y0; \
	VFMADD231PS Y0, Y1, r0; \
	VMASKMOVPS r0, Y2, (DI); \
	VMASKMOVPS 32(DI), Y3, Y0; \
	VFMADD231PS Y0, Y1, r1; \
	VMASKMOVPS r1, Y3, 32(DI)
#define AVX2MROW0(r0, r1) \
	VMASKMOVPS r0, Y2, (DI); \
	VMASKMOVPS r1, Y3, 32(DI)

// func sgemmAVX2(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows, cols int)
TEXT ·sgemmAVX2(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	MOVQ CX, DX
	ANDQ $3, DX
	SHRQ $2, CX
	JZ   avx2tail

avx2loop4:
	AVX2STEP(0, 0)
	AVX2STEP(24, 64)
	AVX2STEP(48, 128)
	AVX2STEP(72, 192)
	ADDQ $96, AX
	ADDQ $256, BX
	DECQ CX
	JNZ  avx2loop4

avx2tail:
	TESTQ DX, DX
	JZ    avx2epi

avx2loop1:
	AVX2STEP(0, 0)
	ADDQ $24, AX
	ADDQ $64, BX
	DECQ DX
	JNZ  avx2loop1

avx2epi:
	VBROADCASTSS alpha+40(FP), Y0
	VMULPS Y0, Y4, Y4
	VMULPS Y0, Y5, Y5
	VMULPS Y0, Y6, Y6
	VMULPS Y0, Y7, Y7
	VMULPS Y0, Y8, Y8
	VMULPS Y0, Y9, Y9
	VMULPS Y0, Y10, Y10
	VMULPS Y0, Y11, Y11
	VMULPS Y0, Y12, Y12
	VMULPS Y0, Y13, Y13
	VMULPS Y0, Y14, Y14
	VMULPS Y0, Y15, Y15
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), SI
	MOVQ cols+56(FP), R9
	VBROADCASTSS beta+44(FP), Y1
	MOVL beta+44(FP), DX
	ANDL $0x7fffffff, DX
	CMPQ SI, $6
	JNE  avx2partial
	CMPQ R9, $16
	JNE  avx2partial
	TESTL DX, DX
	JZ   avx2full0

	AVX2ROW(Y4, Y5)
	ADDQ R8, DI
	AVX2ROW(Y6, Y7)
	ADDQ R8, DI
	AVX2ROW(Y8, Y9)
	ADDQ R8, DI
	AVX2ROW(Y10, Y11)
	ADDQ R8, DI
	AVX2ROW(Y12, Y13)
	ADDQ R8, DI
	AVX2ROW(Y14, Y15)
	VZEROUPPER
	RET

avx2full0:
	AVX2ROW0(Y4, Y5)
	ADDQ R8, DI
	AVX2ROW0(Y6, Y7)
	ADDQ R8, DI
	AVX2ROW0(Y8, Y9)
	ADDQ R8, DI
	AVX2ROW0(Y10, Y11)
	ADDQ R8, DI
	AVX2ROW0(Y12, Y13)
	ADDQ R8, DI
	AVX2ROW0(Y14, Y15)
	VZEROUPPER
	RET

avx2partial:
	LEAQ avx2mask<>(SB), R10
	MOVQ $16, R11
	SUBQ R9, R11
	VMOVUPS (R10)(R11*4), Y2
	VMOVUPS 32(R10)(R11*4), Y3
	TESTL DX, DX
	JZ   avx2partial0
	AVX2MROW(Y4, Y5)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW(Y6, Y7)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW(Y8, Y9)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW(Y10, Y11)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW(Y12, Y13)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW(Y14, Y15)
	VZEROUPPER
	RET

avx2partial0:
	AVX2MROW0(Y4, Y5)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW0(Y6, Y7)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW0(Y8, Y9)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW0(Y10, Y11)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW0(Y12, Y13)
	DECQ SI
	JZ   avx2done
	ADDQ R8, DI
	AVX2MROW0(Y14, Y15)

avx2done:
	VZEROUPPER
	RET

// AVX512STEP is one k step of the 12×32 kernel: B vectors in Z28, Z29, A
// values broadcast into Z30 and Z31 in turn, accumulators Z0..Z23 (row r
// in Z(2r), Z(2r+1)).
#define AVX512STEP(ao, bo) \
	VMOVUPS bo(BX), Z28; \
	VMOVUPS bo+64(BX), Z29; \
	VBROADCASTSS ao+0(AX), Z30; \
	VFMADD231PS Z28, Z30, Z0; \
	VFMADD231PS Z29, Z30, Z1; \
	VBROADCASTSS ao+4(AX), Z31; \
	VFMADD231PS Z28, Z31, Z2; \
	VFMADD231PS Z29, Z31, Z3; \
	VBROADCASTSS ao+8(AX), Z30; \
	VFMADD231PS Z28, Z30, Z4; \
	VFMADD231PS Z29, Z30, Z5; \
	VBROADCASTSS ao+12(AX), Z31; \
	VFMADD231PS Z28, Z31, Z6; \
	VFMADD231PS Z29, Z31, Z7; \
	VBROADCASTSS ao+16(AX), Z30; \
	VFMADD231PS Z28, Z30, Z8; \
	VFMADD231PS Z29, Z30, Z9; \
	VBROADCASTSS ao+20(AX), Z31; \
	VFMADD231PS Z28, Z31, Z10; \
	VFMADD231PS Z29, Z31, Z11; \
	VBROADCASTSS ao+24(AX), Z30; \
	VFMADD231PS Z28, Z30, Z12; \
	VFMADD231PS Z29, Z30, Z13; \
	VBROADCASTSS ao+28(AX), Z31; \
	VFMADD231PS Z28, Z31, Z14; \
	VFMADD231PS Z29, Z31, Z15; \
	VBROADCASTSS ao+32(AX), Z30; \
	VFMADD231PS Z28, Z30, Z16; \
	VFMADD231PS Z29, Z30, Z17; \
	VBROADCASTSS ao+36(AX), Z31; \
	VFMADD231PS Z28, Z31, Z18; \
	VFMADD231PS Z29, Z31, Z19; \
	VBROADCASTSS ao+40(AX), Z30; \
	VFMADD231PS Z28, Z30, Z20; \
	VFMADD231PS Z29, Z30, Z21; \
	VBROADCASTSS ao+44(AX), Z31; \
	VFMADD231PS Z28, Z31, Z22; \
	VFMADD231PS Z29, Z31, Z23

// Row updates of the AVX-512 kernel's epilogue, DI at the row of C, beta
// in Z31, column masks in K1 and K2. Masked-off lanes are neither read nor
// written.
#define AVX512ROW(r0, r1) \
	VMOVUPS.Z (DI), K1, Z28; \
	VFMADD231PS Z28, Z31, r0; \
	VMOVUPS r0, K1, (DI); \
	VMOVUPS.Z 64(DI), K2, Z29; \
	VFMADD231PS Z29, Z31, r1; \
	VMOVUPS r1, K2, 64(DI)
#define AVX512ROW0(r0, r1) \
	VMOVUPS r0, K1, (DI); \
	VMOVUPS r1, K2, 64(DI)

// func sgemmAVX512(kc int, a, b, c *float32, ldc int, alpha, beta float32, rows int, mask uint32)
TEXT ·sgemmAVX512(SB), NOSPLIT, $0-60
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), AX
	MOVQ b+16(FP), BX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	MOVQ CX, DX
	ANDQ $3, DX
	SHRQ $2, CX
	JZ   avx512tail

avx512loop4:
	AVX512STEP(0, 0)
	AVX512STEP(48, 128)
	AVX512STEP(96, 256)
	AVX512STEP(144, 384)
	ADDQ $192, AX
	ADDQ $512, BX
	DECQ CX
	JNZ  avx512loop4

avx512tail:
	TESTQ DX, DX
	JZ    avx512epi

avx512loop1:
	AVX512STEP(0, 0)
	ADDQ $48, AX
	ADDQ $128, BX
	DECQ DX
	JNZ  avx512loop1

avx512epi:
	VBROADCASTSS alpha+40(FP), Z30
	VMULPS Z30, Z0, Z0
	VMULPS Z30, Z1, Z1
	VMULPS Z30, Z2, Z2
	VMULPS Z30, Z3, Z3
	VMULPS Z30, Z4, Z4
	VMULPS Z30, Z5, Z5
	VMULPS Z30, Z6, Z6
	VMULPS Z30, Z7, Z7
	VMULPS Z30, Z8, Z8
	VMULPS Z30, Z9, Z9
	VMULPS Z30, Z10, Z10
	VMULPS Z30, Z11, Z11
	VMULPS Z30, Z12, Z12
	VMULPS Z30, Z13, Z13
	VMULPS Z30, Z14, Z14
	VMULPS Z30, Z15, Z15
	VMULPS Z30, Z16, Z16
	VMULPS Z30, Z17, Z17
	VMULPS Z30, Z18, Z18
	VMULPS Z30, Z19, Z19
	VMULPS Z30, Z20, Z20
	VMULPS Z30, Z21, Z21
	VMULPS Z30, Z22, Z22
	VMULPS Z30, Z23, Z23
	MOVQ c+24(FP), DI
	MOVQ ldc+32(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), SI
	MOVL mask+56(FP), R9
	KMOVW R9, K1
	SHRL $16, R9
	KMOVW R9, K2
	VBROADCASTSS beta+44(FP), Z31
	MOVL beta+44(FP), DX
	ANDL $0x7fffffff, DX
	JZ   avx512store0
	AVX512ROW(Z0, Z1)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z2, Z3)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z4, Z5)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z6, Z7)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z8, Z9)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z10, Z11)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z12, Z13)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z14, Z15)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z16, Z17)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z18, Z19)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z20, Z21)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW(Z22, Z23)
	VZEROUPPER
	RET

avx512store0:
	AVX512ROW0(Z0, Z1)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z2, Z3)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z4, Z5)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z6, Z7)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z8, Z9)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z10, Z11)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z12, Z13)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z14, Z15)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z16, Z17)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z18, Z19)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z20, Z21)
	DECQ SI
	JZ   avx512done
	ADDQ R8, DI
	AVX512ROW0(Z22, Z23)

avx512done:
	VZEROUPPER
	RET

// func packCopyAVX2(dst, src *float32, ld, kc, nv int) bool
TEXT ·packCopyAVX2(SB), NOSPLIT, $0-41
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R8
	SHLQ $2, R8
	MOVQ kc+24(FP), CX
	MOVQ nv+32(FP), DX
	MOVQ $0x7f800000, AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	VPXOR Y14, Y14, Y14

packrow:
	MOVQ DX, R9
	XORQ R10, R10

packvec:
	VMOVUPS (SI)(R10*1), Y0
	VMOVUPS Y0, (DI)(R10*1)
	VPAND   Y15, Y0, Y1
	VPCMPEQD Y15, Y1, Y1
	VPOR    Y1, Y14, Y14
	ADDQ $32, R10
	DECQ R9
	JNZ  packvec
	ADDQ R10, DI
	ADDQ R8, SI
	DECQ CX
	JNZ  packrow

	VPTEST Y14, Y14
	SETNE  ret+40(FP)
	VZEROUPPER
	RET

// func nonFiniteAVX2(x *float32, nv int) bool
TEXT ·nonFiniteAVX2(SB), NOSPLIT, $0-17
	MOVQ x+0(FP), SI
	MOVQ nv+8(FP), CX
	MOVQ $0x7f800000, AX
	MOVQ AX, X15
	VPBROADCASTD X15, Y15
	VPXOR Y14, Y14, Y14

finvec:
	VPAND    (SI), Y15, Y1
	VPCMPEQD Y15, Y1, Y1
	VPOR     Y1, Y14, Y14
	ADDQ $32, SI
	DECQ CX
	JNZ  finvec

	VPTEST Y14, Y14
	SETNE  ret+16(FP)
	VZEROUPPER
	RET

// func transpose8AVX2(dst *float32, ldd int, src *float32, lds int, n int)
//
// For b < n, transposes the 8×8 block of src at rows 0..7 (lds floats
// apart) and columns 8b..8b+7 into dst rows 8b..8b+7 (ldd floats apart),
// columns 0..7: dst[(8b+i)·ldd + r] = src[r·lds + 8b + i].
TEXT ·transpose8AVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	MOVQ n+32(FP), CX
	SHLQ $2, R8
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R8)(R8*2), R11

tloop:
	TESTQ CX, CX
	JZ    tdone
	MOVQ  SI, AX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R9*1), Y1
	VMOVUPS (AX)(R9*2), Y2
	VMOVUPS (AX)(R10*1), Y3
	LEAQ    (AX)(R9*4), AX
	VMOVUPS (AX), Y4
	VMOVUPS (AX)(R9*1), Y5
	VMOVUPS (AX)(R9*2), Y6
	VMOVUPS (AX)(R10*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	MOVQ    DI, BX
	VMOVUPS Y8, (BX)
	VMOVUPS Y9, (BX)(R8*1)
	VMOVUPS Y10, (BX)(R8*2)
	VMOVUPS Y11, (BX)(R11*1)
	LEAQ    (BX)(R8*4), BX
	VMOVUPS Y12, (BX)
	VMOVUPS Y13, (BX)(R8*1)
	VMOVUPS Y14, (BX)(R8*2)
	VMOVUPS Y15, (BX)(R11*1)

	ADDQ $32, SI
	LEAQ (DI)(R8*8), DI
	DECQ CX
	JMP  tloop

tdone:
	VZEROUPPER
	RET

// func addAVX2(dst, src *float32, nv int)
//
// dst[i] += src[i] for i < nv·8.
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ nv+16(FP), CX

aloop:
	TESTQ   CX, CX
	JZ      adone
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	DECQ    CX
	JMP     aloop

adone:
	VZEROUPPER
	RET
