from pelvicore.cli import main

main()
