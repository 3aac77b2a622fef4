package graph

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cairn-ml/cairn/data"
	"github.com/cairn-ml/cairn/tensor"
)

// Dataset is a node-classification data set in the Planetoid layout: a
// graph, node features, labels and the standard train/validation/test
// split.
type Dataset struct {
	// Name is the base name of the directory it was read from ("cora").
	Name string
	// Graph is the undirected graph, self loops dropped.
	Graph *Graph
	// Features is the n×f feature matrix, dense, as stored in the file
	// (not binarised or row-normalised).
	Features *tensor.Tensor
	// HasFeature is nil if every node has a feature row; otherwise it says
	// which nodes do (the others are zero rows).
	HasFeature []bool
	// Labels holds each node's class in 0..NumClasses-1, or -1 where
	// unknown.
	Labels []int
	// NumClasses is the number of classes.
	NumClasses int
	// Train, Val and Test are the node ids of the standard split, in file
	// order.
	Train, Val, Test []int
}

// LoadCora loads Cora from data.Dir()/cora; see [LoadPlanetoid].
func LoadCora() (*Dataset, error) {
	return LoadPlanetoid(filepath.Join(data.Dir(), "cora"))
}

// LoadPlanetoid reads a Planetoid data set from dir in either form: the
// original files ind.<name>.*, read with [data.LoadPlanetoid], or the
// plain-text form of cairn's shared/data, read with
// [data.LoadPlanetoidText]. The original files are used when dir holds
// exactly one ind.<name>.graph. Missing or malformed files return errors
// that name the file.
func LoadPlanetoid(dir string) (*Dataset, error) {
	var (
		p   *data.Planetoid
		err error
	)
	if found, _ := filepath.Glob(filepath.Join(dir, "ind.*.graph")); len(found) == 1 {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(found[0]), "ind."), ".graph")
		p, err = data.LoadPlanetoid(dir, name)
	} else {
		p, err = data.LoadPlanetoidText(dir)
	}
	if err != nil {
		return nil, err
	}
	return FromPlanetoid(p)
}

// FromPlanetoid builds a Dataset from a loaded Planetoid data set: the
// graph from its edges with [DropSelfLoops], the rest as it is (shared,
// not copied).
func FromPlanetoid(p *data.Planetoid) (*Dataset, error) {
	g, err := New(p.NumNodes(), p.Edges, DropSelfLoops)
	if err != nil {
		return nil, fmt.Errorf("graph: %s: %w", p.Name, err)
	}
	return &Dataset{
		Name: p.Name, Graph: g, Features: p.Features, HasFeature: p.HasFeature,
		Labels: p.Labels, NumClasses: p.NumClasses, Train: p.Train, Val: p.Val, Test: p.Test,
	}, nil
}
