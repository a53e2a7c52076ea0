Console.Error.WriteLine("not built yet: see the open issues"); return 2;
