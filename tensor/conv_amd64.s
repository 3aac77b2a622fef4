//go:build amd64 && gc && !purego

#include "textflag.h"

// func copyRowsAVX2(dst *float32, ldd int, src *float32, lds int, rows, n int)
//
// dst[i*ldd+j] = src[i*lds+j] for i < rows, j < n: eight values at a time,
// then four, then one.
TEXT ·copyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	MOVQ rows+32(FP), R10
	MOVQ n+40(FP), R11
	SHLQ $2, R8
	SHLQ $2, R9

crow:
	TESTQ R10, R10
	JZ    cdone
	MOVQ  DI, AX
	MOVQ  SI, BX
	MOVQ  R11, CX

c8:
	CMPQ    CX, $8
	JLT     c4
	VMOVUPS (BX), Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     c8

c4:
	CMPQ    CX, $4
	JLT     c1
	VMOVUPS (BX), X0
	VMOVUPS X0, (AX)
	ADDQ    $16, AX
	ADDQ    $16, BX
	SUBQ    $4, CX

c1:
	TESTQ  CX, CX
	JZ     cnext
	VMOVSS (BX), X0
	VMOVSS X0, (AX)
	ADDQ   $4, AX
	ADDQ   $4, BX
	DECQ   CX
	JMP    c1

cnext:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ R10
	JMP  crow

cdone:
	VZEROUPPER
	RET

// func addRowsAVX2(dst *float32, ldd int, src *float32, lds int, rows, n int)
//
// dst[i*ldd+j] += src[i*lds+j] for i < rows, j < n.
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	MOVQ rows+32(FP), R10
	MOVQ n+40(FP), R11
	SHLQ $2, R8
	SHLQ $2, R9

arow:
	TESTQ R10, R10
	JZ    adone
	MOVQ  DI, AX
	MOVQ  SI, BX
	MOVQ  R11, CX

a8:
	CMPQ    CX, $8
	JLT     a4
	VMOVUPS (AX), Y0
	VADDPS  (BX), Y0, Y0
	VMOVUPS Y0, (AX)
	ADDQ    $32, AX
	ADDQ    $32, BX
	SUBQ    $8, CX
	JMP     a8

a4:
	CMPQ    CX, $4
	JLT     a1
	VMOVUPS (AX), X0
	VADDPS  (BX), X0, X0
	VMOVUPS X0, (AX)
	ADDQ    $16, AX
	ADDQ    $16, BX
	SUBQ    $4, CX

a1:
	TESTQ  CX, CX
	JZ     anext
	VMOVSS (AX), X0
	VADDSS (BX), X0, X0
	VMOVSS X0, (AX)
	ADDQ   $4, AX
	ADDQ   $4, BX
	DECQ   CX
	JMP    a1

anext:
	ADDQ R8, DI
	ADDQ R9, SI
	DECQ R10
	JMP  arow

adone:
	VZEROUPPER
	RET
