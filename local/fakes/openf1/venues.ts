/** A Grand Prix venue as OpenF1 describes it (keys and names follow OpenF1's own data). */
export interface Venue {
  readonly name: string;
  readonly location: string;
  readonly countryKey: number;
  readonly countryCode: string;
  readonly countryName: string;
  readonly circuitKey: number;
  readonly circuitShortName: string;
  readonly circuitType: "Permanent" | "Temporary - Street" | "Temporary - Road";
  readonly gmtOffset: string;
  /** Weeks after the season opener that the race is run. */
  readonly week: number;
  readonly sprint: boolean;
  /** Typical air temperature, °C, so weather looks plausible per venue. */
  readonly airTemperature: number;
}

const venue = (
  name: string,
  location: string,
  country: [key: number, code: string, name: string],
  circuit: [key: number, shortName: string, type: Venue["circuitType"]],
  gmtOffset: string,
  week: number,
  airTemperature: number,
  sprint = false,
): Venue => ({
  name,
  location,
  countryKey: country[0],
  countryCode: country[1],
  countryName: country[2],
  circuitKey: circuit[0],
  circuitShortName: circuit[1],
  circuitType: circuit[2],
  gmtOffset,
  week,
  sprint,
  airTemperature,
});

const USA: [number, string, string] = [19, "USA", "United States"];
const ITALY: [number, string, string] = [13, "ITA", "Italy"];

// biome-ignore format: one venue per line reads as a calendar
export const VENUES: readonly Venue[] = [
  venue("Australian Grand Prix", "Melbourne", [5, "AUS", "Australia"], [10, "Melbourne", "Temporary - Street"], "11:00:00", 0, 22),
  venue("Chinese Grand Prix", "Shanghai", [53, "CHN", "China"], [49, "Shanghai", "Permanent"], "08:00:00", 1, 17, true),
  venue("Japanese Grand Prix", "Suzuka", [4, "JPN", "Japan"], [46, "Suzuka", "Permanent"], "09:00:00", 3, 18),
  venue("Bahrain Grand Prix", "Sakhir", [36, "BRN", "Bahrain"], [63, "Sakhir", "Permanent"], "03:00:00", 4, 27),
  venue("Saudi Arabian Grand Prix", "Jeddah", [153, "KSA", "Saudi Arabia"], [149, "Jeddah", "Temporary - Street"], "03:00:00", 5, 28),
  venue("Miami Grand Prix", "Miami", USA, [151, "Miami", "Temporary - Street"], "-04:00:00", 7, 29, true),
  venue("Emilia Romagna Grand Prix", "Imola", ITALY, [6, "Imola", "Permanent"], "02:00:00", 9, 21),
  venue("Monaco Grand Prix", "Monaco", [114, "MON", "Monaco"], [22, "Monte Carlo", "Temporary - Street"], "02:00:00", 10, 22),
  venue("Spanish Grand Prix", "Barcelona", [1, "ESP", "Spain"], [15, "Catalunya", "Permanent"], "02:00:00", 11, 25),
  venue("Canadian Grand Prix", "Montréal", [46, "CAN", "Canada"], [23, "Montreal", "Temporary - Street"], "-04:00:00", 13, 21),
  venue("Austrian Grand Prix", "Spielberg", [17, "AUT", "Austria"], [19, "Spielberg", "Permanent"], "02:00:00", 15, 24),
  venue("British Grand Prix", "Silverstone", [2, "GBR", "United Kingdom"], [2, "Silverstone", "Permanent"], "01:00:00", 16, 19),
  venue("Belgian Grand Prix", "Spa-Francorchamps", [16, "BEL", "Belgium"], [7, "Spa-Francorchamps", "Permanent"], "02:00:00", 19, 17, true),
  venue("Hungarian Grand Prix", "Budapest", [12, "HUN", "Hungary"], [4, "Hungaroring", "Permanent"], "02:00:00", 20, 30),
  venue("Dutch Grand Prix", "Zandvoort", [34, "NED", "Netherlands"], [55, "Zandvoort", "Permanent"], "02:00:00", 24, 18),
  venue("Italian Grand Prix", "Monza", ITALY, [39, "Monza", "Permanent"], "02:00:00", 25, 26),
  venue("Azerbaijan Grand Prix", "Baku", [144, "AZE", "Azerbaijan"], [144, "Baku", "Temporary - Street"], "04:00:00", 27, 23),
  venue("Singapore Grand Prix", "Marina Bay", [157, "SGP", "Singapore"], [61, "Singapore", "Temporary - Street"], "08:00:00", 29, 30),
  venue("United States Grand Prix", "Austin", USA, [9, "Austin", "Permanent"], "-05:00:00", 31, 26, true),
  venue("Mexico City Grand Prix", "Mexico City", [65, "MEX", "Mexico"], [65, "Mexico City", "Permanent"], "-06:00:00", 32, 20),
  venue("São Paulo Grand Prix", "São Paulo", [10, "BRA", "Brazil"], [14, "Interlagos", "Permanent"], "-03:00:00", 34, 24, true),
  venue("Las Vegas Grand Prix", "Las Vegas", USA, [152, "Las Vegas", "Temporary - Street"], "-08:00:00", 36, 12),
  venue("Qatar Grand Prix", "Lusail", [105, "QAT", "Qatar"], [150, "Lusail", "Permanent"], "03:00:00", 37, 26, true),
  venue("Abu Dhabi Grand Prix", "Yas Island", [21, "UAE", "United Arab Emirates"], [70, "Yas Marina Circuit", "Permanent"], "04:00:00", 38, 27),
];
