module spin-ts.example/go-wagi

go 1.24
