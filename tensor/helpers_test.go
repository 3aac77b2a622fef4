package tensor_test

import "math"

var negInf = math.Inf(-1)
