from kiban.cli import main

main()
