package sqlkit

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxFuncLines is the longest a non-test function may be, counted from its
// declaration to its closing brace.
const maxFuncLines = 80

// longFuncs lists the non-test functions still over maxFuncLines, as
// "dir/file.go:Name", with their length. The test fails when a function not
// listed is too long, when a listed one grows, and when a listed one has
// been split (or gone) — so drop its line: this list only shrinks.
var longFuncs = map[string]int{}

// TestNoLongFunctions keeps functions short enough to read in one screen:
// a long one is split into helpers, one per step, named for what it does.
func TestNoLongFunctions(t *testing.T) {
	root := moduleRoot(t)
	found := map[string]int{}
	err := walkGoFiles(root, func(string) bool { return false }, func(path, rel string) error {
		lens, err := funcLengths(path)
		if err != nil {
			return err
		}
		for name, n := range lens {
			if n > maxFuncLines {
				found[rel+":"+name] = n
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for name, n := range found {
		allowed, listed := longFuncs[name]
		switch {
		case !listed:
			bad = append(bad, fmt.Sprintf("%s is %d lines, over %d — split it into helpers named for each step", name, n, maxFuncLines))
		case n > allowed:
			bad = append(bad, fmt.Sprintf("%s grew to %d lines from %d — split it instead", name, n, allowed))
		}
	}
	for name := range longFuncs {
		if _, ok := found[name]; !ok {
			bad = append(bad, fmt.Sprintf("%s is no longer over %d lines (or is gone) — drop it from longFuncs", name, maxFuncLines))
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}

// funcLengths gives the length in lines of each function and method
// declared in one Go file, keyed "Name" or "Recv.Name".
func funcLengths(path string) (map[string]int, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	out := map[string]int{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			name = recvName(fd.Recv.List[0].Type) + "." + name
		}
		out[name] = fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
	}
	return out, nil
}

// recvName is the type name of a method's receiver, without pointer or
// type parameters.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return strings.TrimSpace(filepath.Base(fmt.Sprint(e)))
}

// TestFuncLengthsCountsDeclarationToBrace checks the counting on a file
// whose lengths are known.
func TestFuncLengthsCountsDeclarationToBrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.go")
	src := "package p\n\ntype T struct{}\n\nfunc a() {}\n\nfunc (t *T) b() {\n\t_ = 1\n}\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := funcLengths(path)
	if err != nil {
		t.Fatal(err)
	}
	if got["a"] != 1 || got["T.b"] != 3 || len(got) != 2 {
		t.Errorf("funcLengths = %v, want a:1 T.b:3", got)
	}
}
