// Package golayout computes the memory layout (size, field offsets) of a Go
// struct type declared in a source file, as the gc compiler lays it out on
// linux/amd64, so it can be compared with an eBPF map's BTF types.
package golayout

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
)

// Field is one struct field's place in memory.
type Field struct {
	Name   string
	Offset int64
	Size   int64
}

// Layout is a struct's size and fields (zero-size fields left out).
type Layout struct {
	Name   string
	Size   int64
	Fields []Field
}

// Of type-checks file and returns the layout of the struct type named typ.
func Of(file, typ string) (*Layout, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", file, err)
	}
	conf := types.Config{
		Importer: importer.ForCompiler(fset, "source", nil),
		Error:    func(error) {}, // unrelated errors must not hide the type
	}
	pkg, _ := conf.Check(f.Name.Name, fset, []*ast.File{f}, nil)
	obj := pkg.Scope().Lookup(typ)
	if obj == nil {
		return nil, fmt.Errorf("%s declares no type %s", file, typ)
	}
	st, ok := obj.Type().Underlying().(*types.Struct)
	if !ok {
		return nil, fmt.Errorf("%s.%s is not a struct", file, typ)
	}
	sizes := types.SizesFor("gc", "amd64")
	fields := make([]*types.Var, st.NumFields())
	for i := range fields {
		fields[i] = st.Field(i)
	}
	offs := sizes.Offsetsof(fields)
	l := &Layout{Name: typ, Size: sizes.Sizeof(st)}
	for i, fv := range fields {
		sz := sizes.Sizeof(fv.Type())
		if sz == 0 {
			continue
		}
		l.Fields = append(l.Fields, Field{Name: fv.Name(), Offset: offs[i], Size: sz})
	}
	return l, nil
}
