from voxpop.cli import main

main()
