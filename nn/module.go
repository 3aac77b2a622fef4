package nn

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cairn-ml/cairn/tensor"
)

// Named is a tensor of a model's state with its state_dict key.
type Named struct {
	Name   string
	Tensor *tensor.Tensor
	// Buffer marks state that is not a trainable parameter, such as
	// BatchNorm's running statistics (PyTorch's register_buffer).
	Buffer bool
}

// Stater is implemented by modules that list their own state instead of
// having their fields walked, for example to use PyTorch's names
// (weight_ih_l0). Names are relative to the module; the walk adds the
// module's own prefix.
type Stater interface {
	State() []Named
}

// Trainer is implemented by modules whose behaviour differs between
// training and evaluation (Dropout, BatchNorm). SetTraining walks a model
// and calls it on every module that has it.
type Trainer interface {
	SetTraining(on bool)
}

// StateDict lists every tensor of a model, parameters and buffers, with the
// dotted names PyTorch's state_dict would give the same model, in a fixed
// order (struct fields in declaration order, slice elements by index).
//
// The walk follows exported struct fields, pointers, interfaces, slices and
// arrays, the way encoding/json does. A field's name is its `cairn:"name"`
// tag, or else its Go name in lower snake case (Conv1 → conv1, WeightIH →
// weight_ih); `cairn:"-"` skips a field, and the tag option `buffer`
// (`cairn:"running_mean,buffer"`) marks a buffer. Slice and array elements
// are named by index (layers.0.weight). A value implementing Stater lists
// its own tensors. Nil pointers, nil tensors, maps, and unexported fields
// are skipped; a value reached twice (shared weights) is listed once, under
// its first name.
func StateDict(m any) []Named {
	w := walker{seen: map[uintptr]bool{}, seenT: map[*tensor.Tensor]bool{}}
	w.walk(reflect.ValueOf(m), "", false)
	return w.out
}

// Params returns the trainable parameters of a model: the tensors in its
// StateDict that are not buffers and require grad. Frozen parameters are
// left out, so an optimizer built from Params does not touch them.
func Params(m any) []*tensor.Tensor {
	var ps []*tensor.Tensor
	for _, n := range StateDict(m) {
		if !n.Buffer && n.Tensor.RequiresGrad() {
			ps = append(ps, n.Tensor)
		}
	}
	return ps
}

// NamedParams is Params with the names.
func NamedParams(m any) []Named {
	var ps []Named
	for _, n := range StateDict(m) {
		if !n.Buffer && n.Tensor.RequiresGrad() {
			ps = append(ps, n)
		}
	}
	return ps
}

// Freeze stops gradients for every parameter of m (feature extraction,
// layer freezing, inference without a graph). It returns a function that
// makes exactly the parameters it froze require grad again, so
//
//	defer nn.Freeze(m)()
//
// leaves layers the caller had frozen before frozen. Unfreeze makes every
// parameter trainable.
func Freeze(m any) (restore func()) {
	var frozen []*tensor.Tensor
	for _, n := range StateDict(m) {
		if !n.Buffer && n.Tensor.RequiresGrad() {
			n.Tensor.SetRequiresGrad(false)
			frozen = append(frozen, n.Tensor)
		}
	}
	return func() {
		for _, t := range frozen {
			t.SetRequiresGrad(true)
		}
	}
}

// Unfreeze makes every parameter (not buffer) of m require grad again.
func Unfreeze(m any) {
	for _, n := range StateDict(m) {
		if !n.Buffer {
			n.Tensor.SetRequiresGrad(true)
		}
	}
}

// ZeroGrad drops the gradients of every parameter of m.
func ZeroGrad(m any) {
	for _, n := range StateDict(m) {
		n.Tensor.ZeroGrad()
	}
}

// NumParams returns the number of scalar values in m's parameters
// (buffers excluded, frozen parameters included).
func NumParams(m any) int {
	total := 0
	for _, n := range StateDict(m) {
		if !n.Buffer {
			total += n.Tensor.Size()
		}
	}
	return total
}

// SetTraining switches every module of m that implements Trainer to
// training (true) or evaluation (false) mode.
func SetTraining(m any, on bool) {
	visit(reflect.ValueOf(m), map[uintptr]bool{}, func(v reflect.Value) {
		if v.CanInterface() {
			if t, ok := v.Interface().(Trainer); ok {
				t.SetTraining(on)
			}
		}
	})
}

var tensorType = reflect.TypeFor[*tensor.Tensor]()

type walker struct {
	seen  map[uintptr]bool // pointers to modules already walked
	seenT map[*tensor.Tensor]bool
	out   []Named
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	if name == "" {
		return prefix
	}
	return prefix + "." + name
}

func (w *walker) add(name string, t *tensor.Tensor, buffer bool) {
	if t == nil || w.seenT[t] {
		return
	}
	w.seenT[t] = true
	w.out = append(w.out, Named{Name: name, Tensor: t, Buffer: buffer})
}

func (w *walker) walk(v reflect.Value, prefix string, buffer bool) {
	if !v.IsValid() {
		return
	}
	if v.Type() == tensorType {
		if !v.IsNil() {
			w.add(prefix, v.Interface().(*tensor.Tensor), buffer)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || w.seen[v.Pointer()] {
			return
		}
		w.seen[v.Pointer()] = true
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		w.walk(v.Elem(), prefix, buffer)
		return
	}
	if v.CanInterface() {
		if s, ok := v.Interface().(Stater); ok && (v.Kind() != reflect.Pointer || !v.IsNil()) {
			for _, n := range s.State() {
				w.add(join(prefix, n.Name), n.Tensor, n.Buffer || buffer)
			}
			return
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		w.walk(v.Elem(), prefix, buffer)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, buf, skip := fieldName(f)
			if skip {
				continue
			}
			if f.Anonymous && f.Tag.Get("cairn") == "" {
				name = "" // embedded structs share their parent's namespace
			}
			w.walk(v.Field(i), join(prefix, name), buffer || buf)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			w.walk(v.Index(i), join(prefix, strconv.Itoa(i)), buffer)
		}
	}
}

// visit calls f on every value reachable from v through pointers,
// interfaces, exported struct fields, slices and arrays.
func visit(v reflect.Value, seen map[uintptr]bool, f func(reflect.Value)) {
	if !v.IsValid() || v.Type() == tensorType {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		f(v)
		visit(v.Elem(), seen, f)
	case reflect.Interface:
		if !v.IsNil() {
			visit(v.Elem(), seen, f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				visit(v.Field(i), seen, f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			visit(v.Index(i), seen, f)
		}
	}
}

// fieldName returns a struct field's state_dict name and options.
func fieldName(f reflect.StructField) (name string, buffer, skip bool) {
	tag := f.Tag.Get("cairn")
	if tag == "-" {
		return "", false, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	for _, o := range strings.Split(opts, ",") {
		if o == "buffer" {
			buffer = true
		}
	}
	if name == "" {
		name = SnakeCase(f.Name)
	}
	return name, buffer, false
}

// SnakeCase converts a Go identifier to lower snake case the way StateDict
// names fields: Conv1 → conv1, WeightIH → weight_ih, QKVProj → qkv_proj,
// InProjWeight → in_proj_weight.
func SnakeCase(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) {
			prevLower := i > 0 && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1]))
			acronymEnd := i > 0 && unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || acronymEnd {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// LoadState copies tensors into m's state by name: every tensor of m must
// be present in state with the same shape (strict, as PyTorch's
// load_state_dict). It returns an error naming what is missing, unexpected
// or of the wrong shape, and changes nothing in that case.
func LoadState(m any, state map[string]*tensor.Tensor) error {
	dict := StateDict(m)
	var problems []string
	known := map[string]bool{}
	for _, n := range dict {
		known[n.Name] = true
		src, ok := state[n.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("missing %q", n.Name))
			continue
		}
		if !slices.Equal(src.Shape(), n.Tensor.Shape()) {
			problems = append(problems, fmt.Sprintf("%q has shape %v, the model wants %v", n.Name, src.Shape(), n.Tensor.Shape()))
		}
	}
	for name := range state {
		if !known[name] {
			problems = append(problems, fmt.Sprintf("unexpected %q", name))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("nn: state does not match the model: %s", strings.Join(problems, "; "))
	}
	for _, n := range dict {
		copy(n.Tensor.Data(), state[n.Name].Data())
	}
	return nil
}
