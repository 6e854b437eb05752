from fakehub.server import main

raise SystemExit(main())
