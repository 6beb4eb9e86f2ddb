// Command funclen counts the functions longer than 80 lines in the Go files
// under each directory given (-notest leaves out _test.go files), and lists
// the 40 longest: how issue 16's "no function over 80 lines" is measured.
// Run: go run ./.ci/funclen -notest commands moderation
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type fn struct {
	name  string
	lines int
}

func main() {
	limit := 80
	args := os.Args[1:]
	noTests := len(args) > 0 && args[0] == "-notest"
	if noTests {
		args = args[1:]
	}
	var all []fn
	fset := token.NewFileSet()
	for _, root := range args {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || (noTests && strings.HasSuffix(p, "_test.go")) {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				panic(err)
			}
			for _, decl := range f.Decls {
				fd, ok := decl.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				name := fd.Name.Name
				if fd.Recv != nil && len(fd.Recv.List) > 0 {
					t := fd.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if id, ok := t.(*ast.Ident); ok {
						name = id.Name + "." + name
					}
				}
				all = append(all, fn{fmt.Sprintf("%s:%d %s", p, fset.Position(fd.Pos()).Line, name), n})
			}
			return nil
		})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].lines > all[j].lines })
	long := 0
	for _, f := range all {
		if f.lines > limit {
			long++
		}
	}
	fmt.Printf("functions: %d, longer than %d lines: %d (%.1f%%)\n", len(all), limit, long, 100*float64(long)/float64(len(all)))
	for i := 0; i < 40 && i < len(all); i++ {
		fmt.Printf("%4d  %s\n", all[i].lines, all[i].name)
	}
}
