from limo.cli import main

raise SystemExit(main())
